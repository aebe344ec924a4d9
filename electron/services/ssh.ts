// SSH connections with ssh2: our own TCP socket with TCP_NODELAY (without it gRPC calls stall
// ~40 ms), host keys checked against OpenSSH known_hosts (unknown → explicit confirmation of the
// SHA256 fingerprint or accept-new; changed → refused), authentication by ssh-agent, key files
// (encrypted: passphrase from the keychain or asked, remembered on request) and password,
// ProxyJump chains (forwardOut on the previous hop).
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { Client, utils, type AnyAuthMethod, type AuthenticationType, type ClientChannel, type ServerHostKeyAlgorithm } from 'ssh2';
import { EmberError } from '../../core/errors';
import { fingerprintSha256, hostPatternFor, keyTypeOfBlob, type HostKeyVerdict } from './known-hosts';
import type { KnownHostsStore } from './known-hosts-store';
import { keychainAccount, type SecretStore } from './secrets';
import type { Prompts } from './types';

export interface SshEndpoint {
  readonly label: string;
  readonly host: string;
  /** 0 → 22. */
  readonly port: number;
  readonly user: string;
  readonly identityFiles: readonly string[];
  readonly identitiesOnly: boolean;
  /** CertificateFile list (ssh2 cannot authenticate with certificates: named when auth fails). */
  readonly certificateFiles?: readonly string[];
  /** '' = SSH_AUTH_SOCK, 'none' = no agent, else the agent's socket. */
  readonly identityAgent?: string;
  /** ProxyCommand, tokens expanded ('' = a TCP connection); only for the first hop. */
  readonly proxyCommand?: string;
  /** The name host keys are checked and recorded under ('' = host / [host]:port). */
  readonly hostKeyAlias?: string;
  /** The host's own known_hosts files (UserKnownHostsFile/GlobalKnownHostsFile from its config). */
  readonly knownHostsFiles?: readonly string[];
  readonly strictHostKeyChecking?: 'yes' | 'no' | 'accept-new' | 'ask';
  /** 0 = the caller's timeout. */
  readonly connectTimeoutSeconds?: number;
}

export interface SshRoute {
  /** Bastions, first connected first. */
  readonly jumps: readonly SshEndpoint[];
  readonly target: SshEndpoint;
}

export interface SshDeps {
  readonly knownHosts: KnownHostsStore;
  readonly secrets: SecretStore;
  readonly prompts: Prompts;
  readonly unknownHostKey: 'ask' | 'accept-new' | 'refuse';
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export interface SshConnection {
  readonly client: Client;
  readonly endpoint: SshEndpoint;
  readonly fingerprint: string;
  /** Resolves when the target connection ends (with the error when it dropped). */
  readonly closed: Promise<Error | undefined>;
  close(): void;
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

function portOf(e: SshEndpoint): number {
  return e.port === 0 ? 22 : e.port;
}

function unreachable(e: SshEndpoint, why: string): EmberError {
  return new EmberError('HOST_UNREACHABLE', `Cannot reach ${e.label} (${e.host}:${portOf(e)}): ${why}.`, { host: e.host, port: portOf(e) });
}

function openTcp(e: SshEndpoint, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host: e.host, port: portOf(e) });
    sock.setNoDelay(true);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(unreachable(e, `no answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(unreachable(e, error.code === 'ECONNREFUSED' ? 'connection refused' : error.code === 'ENOTFOUND' ? 'unknown host name' : (error.code ?? error.message)));
    });
  });
}

/**
 * The ProxyCommand's stdio as the SSH transport, run as OpenSSH runs it: `exec COMMAND` by
 * the user's shell (`$SHELL -c`, else /bin/sh). Its stderr goes to the log; it is ended with the
 * connection.
 */
function openProxyCommand(e: SshEndpoint, command: string, log: (line: string) => void): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const shell = process.env['SHELL'] && process.env['SHELL'].startsWith('/') ? process.env['SHELL'] : '/bin/sh';
    const child = spawn(shell, ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let lastErr = '';
    child.stderr.on('data', (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        lastErr = line.trim().slice(0, 300);
        log(`ssh: ProxyCommand[${e.label}]: ${lastErr}`);
      }
    });
    const sock = new Duplex({
      read() {
        child.stdout.resume();
      },
      write(chunk: Buffer, _enc, done) {
        child.stdin.write(chunk, (error) => done(error ?? null));
      },
      final(done) {
        child.stdin.end();
        done();
      },
      destroy(error, done) {
        child.stdin.destroy();
        child.stdout.destroy();
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        done(error);
      },
    });
    child.stdout.on('data', (d: Buffer) => {
      if (!sock.push(d)) child.stdout.pause();
    });
    child.stdin.on('error', () => undefined); // a proxy that exits early: reported on 'close'
    child.once('error', (error) => reject(unreachable(e, `the ProxyCommand could not be started (${error.message})`)));
    child.once('spawn', () => resolve(sock));
    // The end of its output is passed on only once its exit status is known, so that a failed
    // proxy is reported as such rather than as a cut handshake.
    child.once('close', (code, signal) => {
      if (sock.destroyed) return;
      if (code === 0) sock.push(null);
      else sock.destroy(unreachable(e, `the ProxyCommand exited (${signal ?? `status ${code}`})${lastErr ? `: ${lastErr}` : ''}`));
    });
  });
}

function forwardThrough(prev: Client, e: SshEndpoint, via: SshEndpoint): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    prev.forwardOut('127.0.0.1', 0, e.host, portOf(e), (error, channel) => {
      if (error) reject(unreachable(e, `the jump host ${via.label} could not open a connection to it (${error.message})`));
      else resolve(channel);
    });
  });
}

/** Host key algorithms with the types already known for the host first (as OpenSSH does). */
function preferredHostKeyAlgorithms(knownTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const all: ServerHostKeyAlgorithm[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  const known = new Set<string>();
  for (const t of knownTypes) {
    if (t === 'ssh-rsa') ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'].forEach((a) => known.add(a));
    else known.add(t);
  }
  return [...all.filter((a) => known.has(a)), ...all.filter((a) => !known.has(a))];
}

type AuthStep = () => Promise<AnyAuthMethod | null>;

function identityCandidates(e: SshEndpoint): string[] {
  if (e.identityFiles.length > 0) return [...e.identityFiles];
  return DEFAULT_IDENTITIES.map((n) => join(homedir(), '.ssh', n)).filter((p) => existsSync(p));
}

function authSteps(e: SshEndpoint, deps: SshDeps): { steps: AuthStep[]; commit: () => Promise<void> } {
  const steps: AuthStep[] = [];
  const user = e.user;
  const configured = e.identityAgent ?? '';
  const agentSock = configured === 'none' ? undefined : configured === '' || configured === 'SSH_AUTH_SOCK' ? process.env['SSH_AUTH_SOCK'] : configured;
  if (agentSock && !(e.identitiesOnly && e.identityFiles.length > 0)) {
    steps.push(async () => ({ type: 'agent', username: user, agent: agentSock }));
  }
  for (const keyPath of identityCandidates(e)) {
    steps.push(async () => {
      let data: Buffer;
      try {
        data = readFileSync(keyPath);
      } catch {
        return null;
      }
      const plain = utils.parseKey(data);
      if (!(plain instanceof Error)) return { type: 'publickey', username: user, key: data };
      if (!/encrypted|passphrase/i.test(plain.message)) {
        deps.log(`ssh: ${keyPath} is not a usable private key (${plain.message})`);
        return null;
      }
      const account = keychainAccount('passphrase', keyPath);
      const remembered = await deps.secrets.get(account);
      if (remembered !== null && !(utils.parseKey(data, remembered) instanceof Error)) {
        return { type: 'publickey', username: user, key: data, passphrase: remembered };
      }
      const canRemember = (await deps.secrets.status()).available;
      let retry = remembered !== null;
      for (let attempt = 0; attempt < 3; attempt++) {
        const answer = await deps.prompts.askPassphrase({ hostLabel: e.label, keyPath, canRemember, retry });
        if (answer === null) return null;
        if (!(utils.parseKey(data, answer.secret) instanceof Error)) {
          if (answer.remember && canRemember) await deps.secrets.set(account, answer.secret);
          return { type: 'publickey', username: user, key: data, passphrase: answer.secret };
        }
        retry = true;
      }
      return null;
    });
  }
  const passwordAccount = keychainAccount('password', `${user}@${e.host}:${portOf(e)}`);
  let usedRemembered = false;
  const passwordStep = (retry: boolean): AuthStep => async () => {
    if (!usedRemembered && !retry) {
      const remembered = await deps.secrets.get(passwordAccount);
      if (remembered !== null) {
        usedRemembered = true;
        return { type: 'password', username: user, password: remembered };
      }
    }
    const canRemember = (await deps.secrets.status()).available;
    const answer = await deps.prompts.askPassword({ hostLabel: e.label, user, purpose: 'login', canRemember, retry: retry || usedRemembered });
    if (answer === null) return null;
    if (answer.remember && canRemember) pendingPassword = answer.secret;
    return { type: 'password', username: user, password: answer.secret };
  };
  let pendingPassword: string | undefined;
  steps.push(passwordStep(false), passwordStep(true), passwordStep(true));
  // After a successful login the asked password is stored (only if the user asked for it).
  const commit = async (): Promise<void> => {
    if (pendingPassword !== undefined) await deps.secrets.set(passwordAccount, pendingPassword);
  };
  return { steps, commit };
}

/** Certificates OpenSSH would offer: CertificateFile entries and KEY-cert.pub next to each key, that exist. */
function certificatesOf(e: SshEndpoint): string[] {
  const candidates = [...(e.certificateFiles ?? []), ...e.identityFiles.map((k) => `${k}-cert.pub`)];
  return [...new Set(candidates)].filter((p) => existsSync(p));
}

/** What to do with an unknown host key: the app's explicit choice, else the host's StrictHostKeyChecking. */
function unknownKeyPolicy(e: SshEndpoint, deps: SshDeps): SshDeps['unknownHostKey'] {
  if (deps.unknownHostKey === 'accept-new') return 'accept-new';
  switch (e.strictHostKeyChecking) {
    case 'yes':
      return 'refuse';
    case 'accept-new':
    case 'no': // OpenSSH also lets "no" through changed keys: never here
      return 'accept-new';
    default:
      return deps.unknownHostKey;
  }
}

async function connectHop(e: SshEndpoint, sock: Duplex, deps: SshDeps): Promise<{ client: Client; fingerprint: string }> {
  const client = new Client();
  // With HostKeyAlias the key is looked up and recorded under that name alone (no port).
  const keyHost = e.hostKeyAlias ? e.hostKeyAlias : e.host;
  const port = e.hostKeyAlias ? 22 : portOf(e);
  const knownHosts = e.knownHostsFiles ? deps.knownHosts.withUserFiles(e.knownHostsFiles) : deps.knownHosts;
  const policy = unknownKeyPolicy(e, deps);
  let sockError: EmberError | undefined;
  sock.on('error', (error) => {
    if (error instanceof EmberError) sockError = error;
  });
  let verdict: HostKeyVerdict | undefined;
  let fingerprint = '';
  let hostKeyError: EmberError | undefined;
  const { steps, commit } = authSteps(e, deps);
  let index = 0;
  let passwordAllowed = true;

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: EmberError): void => {
      if (settled) return;
      settled = true;
      client.end();
      sock.destroy();
      reject(error);
    };
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      void commit().catch((error: unknown) => deps.log(`ssh: could not remember the password: ${String(error)}`));
      resolve({ client, fingerprint });
    });
    client.on('error', (error: Error & { level?: string }) => {
      if (settled) return;
      if (hostKeyError) return fail(hostKeyError);
      if (sockError) return fail(sockError);
      if (error.level === 'client-authentication' || /authentication methods failed/i.test(error.message)) {
        const certs = certificatesOf(e);
        if (certs.length > 0) {
          return fail(
            new EmberError(
              'AUTH_FAILED',
              `Authentication to ${e.user}@${e.label} failed, and its ssh config gives a certificate (${certs[0]}): the built-in SSH transport cannot authenticate with OpenSSH certificates. Certificates need the OpenSSH transport (coming).`,
              { host: e.host, user: e.user, certificate: certs[0] ?? '' },
            ),
          );
        }
        return fail(new EmberError('AUTH_FAILED', `Authentication to ${e.user}@${e.label} failed: no key, agent identity or password was accepted.`, { host: e.host, user: e.user }));
      }
      if (/handshake/i.test(error.message) || error.level === 'client-timeout') {
        return fail(unreachable(e, 'the SSH handshake timed out'));
      }
      return fail(unreachable(e, error.message.split('\n')[0] ?? 'connection failed'));
    });
    client.on('close', () => {
      if (!settled) fail(hostKeyError ?? sockError ?? unreachable(e, 'the connection closed during the handshake'));
    });
    client.connect({
      sock,
      username: e.user,
      readyTimeout: deps.timeoutMs + 120_000, // prompts may take a while; the TCP connect has its own timeout
      // A silent network loss (no FIN, no RST) is noticed after three unanswered keepalives.
      keepaliveInterval: 5_000,
      keepaliveCountMax: 3,
      algorithms: { serverHostKey: preferredHostKeyAlgorithms(knownHosts.keyTypes(keyHost, port)) },
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        fingerprint = fingerprintSha256(key);
        verdict = knownHosts.check(keyHost, port, key);
        const name = hostPatternFor(keyHost, port);
        if (verdict.status === 'known') return verify(true);
        if (verdict.status === 'changed' || verdict.status === 'revoked') {
          const where = `${verdict.file}:${verdict.line.line}`;
          hostKeyError = new EmberError(
            'HOST_KEY_CHANGED',
            verdict.status === 'revoked'
              ? `The host key of ${name} (${fingerprint}) is marked @revoked in ${where}: refused.`
              : `WARNING: the host key of ${name} has CHANGED (now ${fingerprint}, known ${fingerprintSha256(verdict.line.key)} in ${where}); someone may be intercepting the connection (man-in-the-middle). Refused. If the host was really reinstalled, remove the old key explicitly (emberscope known-hosts remove ${keyHost}${port !== 22 ? ` -p ${port}` : ''}, or ssh-keygen -R '${name}' for ~/.ssh/known_hosts) and connect again.`,
            { host: e.host, port, fingerprint },
          );
          return verify(false);
        }
        const accept = async (): Promise<boolean> => {
          if (policy === 'accept-new') return true;
          if (policy === 'refuse') return false;
          return deps.prompts.confirmHostKey({ hostLabel: e.label, hostPattern: name, keyType: keyTypeOfBlob(key), fingerprint });
        };
        accept().then(
          async (ok) => {
            if (!ok) {
              hostKeyError = new EmberError(
                'HOST_KEY_UNKNOWN',
                `The host key of ${name} is not known (${fingerprint}) and was not confirmed: refused. Confirm it, or pass --accept-new-host-key after checking the fingerprint.`,
                { host: e.host, port, fingerprint },
              );
              return verify(false);
            }
            await knownHosts.add(keyHost, port, key);
            deps.log(`ssh: added ${name} ${fingerprint} to ${knownHosts.appFile}`);
            verify(true);
          },
          (error: unknown) => {
            hostKeyError = new EmberError('HOST_KEY_UNKNOWN', `The host key question failed: ${String(error)}`);
            verify(false);
          },
        );
      },
      authHandler: (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (m: AnyAuthMethod | false) => void) => {
        if (methodsLeft !== null && !methodsLeft.includes('password')) passwordAllowed = false;
        const tryNext = async (): Promise<AnyAuthMethod | false> => {
          while (index < steps.length) {
            const step = steps[index++];
            if (!step) break;
            const method = await step();
            if (method === null) continue;
            if (methodsLeft !== null && !methodsLeft.includes(method.type === 'agent' ? 'publickey' : method.type)) continue;
            if (method.type === 'password' && !passwordAllowed) continue;
            return method;
          }
          return false;
        };
        tryNext().then(next, (error: unknown) => {
          deps.log(`ssh: authentication step failed: ${String(error)}`);
          next(false);
        });
      },
    } as Parameters<Client['connect']>[0]);
  });
}

/** Connects through the jump hosts to the target; every hop's host key is checked. */
export async function connectRoute(route: SshRoute, deps: SshDeps): Promise<SshConnection> {
  const hops = [...route.jumps, route.target];
  const clients: Client[] = [];
  let prev: { client: Client; endpoint: SshEndpoint } | undefined;
  let last: { client: Client; fingerprint: string } | undefined;
  try {
    for (const hop of hops) {
      const timeoutMs = hop.connectTimeoutSeconds ? hop.connectTimeoutSeconds * 1000 : deps.timeoutMs;
      const sock: Duplex = prev
        ? await forwardThrough(prev.client, hop, prev.endpoint)
        : hop.proxyCommand
          ? await openProxyCommand(hop, hop.proxyCommand, deps.log)
          : await openTcp(hop, timeoutMs);
      last = await connectHop(hop, sock, deps);
      clients.push(last.client);
      prev = { client: last.client, endpoint: hop };
    }
  } catch (error) {
    for (const c of clients.reverse()) c.end();
    throw error;
  }
  if (!last) throw new EmberError('INTERNAL', 'no SSH hop');
  const client = last.client;
  const closed = new Promise<Error | undefined>((resolve) => {
    let err: Error | undefined;
    client.on('error', (e: Error) => (err = e));
    client.on('close', () => resolve(err));
  });
  return {
    client,
    endpoint: route.target,
    fingerprint: last.fingerprint,
    closed,
    close: () => {
      for (const c of [...clients].reverse()) c.end();
    },
  };
}

// ---------------------------------------------------------------- exec helpers

export interface ExecResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

const MAX_OUTPUT = 1024 * 1024;

/** Runs a command; `stdin` (e.g. a sudo password) is written to the channel, never to argv. */
export function execCommand(client: Client, command: string, options: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) {
        reject(new EmberError('CONNECTION_LOST', `Could not run a command on the host: ${error.message}`));
        return;
      }
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      let signal: string | null = null;
      const timer = options.timeoutMs
        ? setTimeout(() => {
            channel.close();
            reject(new EmberError('CONNECTION_LOST', `A command on the host did not finish within ${Math.round((options.timeoutMs ?? 0) / 1000)} s.`));
          }, options.timeoutMs)
        : undefined;
      channel.on('data', (d: Buffer) => {
        if (stdout.length < MAX_OUTPUT) stdout += d.toString('utf8');
      });
      channel.stderr.on('data', (d: Buffer) => {
        if (stderr.length < MAX_OUTPUT) stderr += d.toString('utf8');
      });
      channel.on('exit', (c: number | null, s?: string) => {
        code = c;
        signal = s ?? null;
      });
      channel.on('close', () => {
        if (timer) clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
      if (options.stdin !== undefined) channel.end(options.stdin);
      else channel.end();
    });
  });
}

/** POSIX shell single quoting. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
