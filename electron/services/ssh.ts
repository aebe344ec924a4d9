// SSH connections with ssh2: our own TCP socket with TCP_NODELAY (without it gRPC calls stall
// ~40 ms), host keys checked against OpenSSH known_hosts (unknown → explicit confirmation of the
// SHA256 fingerprint or accept-new; changed → refused), authentication by ssh-agent, key files
// (encrypted: passphrase from the keychain or asked, remembered on request) and password
// (./ssh-auth.ts), over TCP, a ProxyCommand or a ProxyJump chain (./ssh-socket.ts).
import type { Duplex } from 'node:stream';
import { Client, type AnyAuthMethod, type ClientChannel, type AuthenticationType, type ServerHostKeyAlgorithm } from 'ssh2';
import { EmberError } from '../../core/errors';
import { fingerprintSha256, hostPatternFor, keyTypeOfBlob, type HostKeyVerdict } from './known-hosts';
import type { KnownHostsStore } from './known-hosts-store';
import type { SecretStore } from './secrets';
import type { Prompts } from './types';
import { authSteps, certificatesOf } from './ssh-auth';
import { forwardThrough, openProxyCommand, openTcp, portOf, unreachable } from './ssh-socket';

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
  /** ServerAliveInterval / CountMax (0 = the built-in 5 s × 3, so a silent loss is noticed). */
  readonly serverAliveIntervalSeconds?: number;
  readonly serverAliveCountMax?: number;
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
      keepaliveInterval: e.serverAliveIntervalSeconds ? e.serverAliveIntervalSeconds * 1000 : 5_000,
      keepaliveCountMax: e.serverAliveIntervalSeconds ? e.serverAliveCountMax || 3 : 3,
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
  let closing = false;
  const closed = new Promise<Error | undefined>((resolve) => {
    let err: Error | undefined;
    client.on('error', (e: Error) => (err = e));
    // A connection that ends without close() having been called dropped (an error, as OpenSSH's transport says too).
    client.on('close', () => resolve(err ?? (closing ? undefined : new EmberError('CONNECTION_LOST', `The connection to ${route.target.label} ended.`))));
  });
  return {
    client,
    endpoint: route.target,
    fingerprint: last.fingerprint,
    closed,
    close: () => {
      closing = true;
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
    const lost = (error: unknown): void => reject(new EmberError('CONNECTION_LOST', `Could not run a command on the host: ${error instanceof Error ? error.message : String(error)}`));
    // Once its socket is gone, ssh2 throws ("Not connected") instead of calling back.
    try {
      client.exec(command, onChannel);
    } catch (error) {
      lost(error);
    }
    function onChannel(error: Error | undefined, channel: ClientChannel): void {
      if (error) {
        lost(error);
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
    }
  });
}

/** POSIX shell single quoting. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
