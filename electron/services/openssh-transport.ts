// The OpenSSH client as the transport: the user's own `ssh` makes ONE master connection per host
// (ControlMaster in the app's private 0700 control directory, ControlPersist short), and every
// command, upload and agent session is a multiplexed channel of it (`ssh -S ctl … cmd`), so
// check, deploy, setup and capture share one authentication, also across CLI commands run within
// ControlPersist. ssh resolves the host itself (the same -F, -p, -l, -i, -J the user gave), uses
// its own known_hosts files (@cert-authority and @revoked included), certificates, agents,
// ProxyCommand/ProxyJump. Every question ssh has goes through the app's SSH_ASKPASS helper
// (./openssh-askpass.ts) to the keychain or the Prompts; a changed host key is refused by ssh and
// reported as HOST_KEY_CHANGED with the fingerprint it printed.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { lstat, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { utils } from 'ssh2';
import { EmberError } from '../../core/errors';
import { LineSplitter } from '../../core/util/lines';
import type { AgentStreamFactory } from '../agent-client';
import type { HostShell } from './host-shell';
import { AskpassServer, classifyPrompt, writeAskpassHelper, type AskpassRequest } from './openssh-askpass';
import { keychainAccount, type SecretStore } from './secrets';
import type { ExecResult, SshEndpoint, SshRoute } from './ssh';
import type { Prompts } from './types';

/** How to reach a host with `ssh`: the destination and the options the user would give. */
export interface OpenSshTarget {
  readonly label: string;
  /** ssh's destination (ssh_config alias or host name); passed after `--`. */
  readonly destination: string;
  /** -F, -p, -l, -i, -J as the user gave them (never a secret). */
  readonly args: readonly string[];
  /** The hops as resolved (names the keychain accounts and the questions). */
  readonly route: SshRoute;
  /** UserKnownHostsFile to give ssh (first one written); absent = the config's own. */
  readonly knownHostsFiles?: readonly string[];
}

export interface OpenSshDeps {
  readonly sshPath: string;
  /** The app's private control directory (created 0700 here when missing). */
  readonly controlDir: string;
  readonly controlPersistSeconds: number;
  /** Keep a master for ControlPersist after its last session closed (the CLI: later commands reuse it). */
  readonly keepMasters: boolean;
  readonly secrets: SecretStore;
  readonly prompts: Prompts;
  readonly unknownHostKey: 'ask' | 'accept-new' | 'refuse';
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export interface OpenSshConnection {
  readonly shell: HostShell;
  readonly fingerprint: string;
  /** Whether this connect authenticated (false: an existing master was reused). */
  readonly authenticated: boolean;
  readonly controlPath: string;
}

const MAX_OUTPUT = 1024 * 1024;
const SIGNAL_MARK = 'emberscope-exit-signal:';

/** The control directory the app uses by default: per user, in the runtime directory. */
export function defaultControlDir(): string {
  const runtime = process.env['XDG_RUNTIME_DIR'];
  if (runtime && runtime.startsWith('/')) return join(runtime, 'emberscope', 'ssh');
  return join(tmpdir(), `emberscope-ssh-${process.getuid?.() ?? 0}`);
}

/**
 * Creates the control directory 0700, or accepts an existing one only if it is this user's and
 * private (it is never chmod-ed: a directory the app did not make is not changed).
 */
export async function ensureControlDir(dir: string): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const made = await lstat(dir);
    if ((made.mode & 0o077) !== 0) {
      // mkdir honours the umask only downwards: 0700 requested, anything looser is not ours.
      throw new EmberError('BAD_OPTIONS', `The SSH control directory ${dir} could not be made private.`);
    }
    return;
  }
  const uid = process.getuid?.() ?? 0;
  if (!st.isDirectory() || st.isSymbolicLink() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new EmberError('BAD_OPTIONS', `The SSH control directory ${dir} is not a private (0700) directory of this user: refused. Remove it, and Emberscope creates it again.`);
  }
}

function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The remote command wrapped so that a death by signal is reported (ssh itself says only 255). */
export function withSignalReport(command: string): string {
  return `(${command}\n); s=$?; if [ "$s" -gt 128 ] && [ "$s" -lt 160 ]; then printf '\\n%s%s\\n' ${SIGNAL_MARK} "$s" >&2; fi; exit "$s"`;
}

function signalName(status: number): string | null {
  const n = status - 128;
  for (const [name, value] of Object.entries(osConstants.signals)) if (value === n) return name.replace(/^SIG/, '');
  return null;
}

/** Reads ssh's stderr of a wrapped command: the reported signal (marker removed), else the status. */
export function exitOf(code: number | null, stderr: string): { code: number | null; signal: string | null; stderr: string } {
  const re = new RegExp(`\\n?${SIGNAL_MARK}(\\d+)\\n?$`);
  const m = re.exec(stderr);
  if (!m) return { code, signal: null, stderr };
  const signal = signalName(Number(m[1]));
  return { code: signal ? null : code, signal, stderr: stderr.slice(0, m.index) };
}

/** ssh's words (stderr / -E log, debug lines left out) → a typed error. */
export function mapSshFailure(text: string, label: string, asked: { hostKeyFingerprint?: string; declinedHostKey?: boolean } = {}): EmberError {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '' && !/^debug\d?:/.test(l));
  const all = lines.join('\n');
  const last = (lines.filter((l) => !/^@+|^Warning: Permanently/.test(l)).pop() ?? 'ssh failed').trim().slice(0, 300);
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(all)) {
    const fp = /key sent by the remote host is\s*\n?\s*(SHA256:[A-Za-z0-9+/]+)/.exec(all)?.[1] ?? '';
    const where = /Offending \S+ key in (\S+)/.exec(all)?.[1] ?? 'known_hosts';
    return new EmberError(
      'HOST_KEY_CHANGED',
      `WARNING: the host key of ${label} has CHANGED (now ${fp || 'unknown'}, known differently in ${where}); someone may be intercepting the connection (man-in-the-middle). Refused by OpenSSH. If the host was really reinstalled, remove the old key explicitly (ssh-keygen -R HOST -f ${where}) and connect again.`,
      { host: label, fingerprint: fp },
    );
  }
  if (/REVOKED HOST KEY DETECTED|is marked as revoked/i.test(all)) {
    const fp = /(SHA256:[A-Za-z0-9+/]+)/.exec(all)?.[1] ?? '';
    return new EmberError('HOST_KEY_CHANGED', `The host key of ${label}${fp ? ` (${fp})` : ''} is marked @revoked in known_hosts: refused by OpenSSH.`, { host: label, fingerprint: fp });
  }
  if (/No \S+ host key is known for|Host key verification failed/.test(all)) {
    const fp = asked.hostKeyFingerprint ?? '';
    return new EmberError(
      'HOST_KEY_UNKNOWN',
      `The host key of ${label} is not known${fp ? ` (${fp})` : ''} and was not confirmed: refused. Confirm it, or pass --accept-new-host-key after checking the fingerprint.`,
      { host: label, fingerprint: fp },
    );
  }
  if (/Permission denied \(|Too many authentication failures|No more authentication methods/.test(all)) {
    return new EmberError('AUTH_FAILED', `Authentication to ${label} failed (OpenSSH: ${last}).`, { host: label });
  }
  if (/Bad configuration option|command-line line|Unsupported option|Bad port|garbage at end of line/i.test(all)) {
    return new EmberError('BAD_OPTIONS', `OpenSSH refused the settings for ${label}: ${last}`, { host: label });
  }
  return new EmberError('HOST_UNREACHABLE', `Cannot reach ${label} with OpenSSH: ${last}.`, { host: label });
}

// ---------------------------------------------------------------- questions

interface PendingSecret {
  readonly account: string;
  readonly secret: string;
}

/** Answers ssh's questions for one master start: keychain first, then the Prompts. */
export function promptAnswerer(target: OpenSshTarget, deps: Pick<OpenSshDeps, 'secrets' | 'prompts' | 'unknownHostKey' | 'log'>) {
  const askedFor = new Map<string, number>();
  const pending = new Map<string, PendingSecret>();
  const state: { hostKeyFingerprint?: string; declinedHostKey?: boolean } = {};
  const hops: readonly SshEndpoint[] = [...target.route.jumps, target.route.target];
  const passwordAccount = (user: string, host: string): string => {
    const hop = hops.find((h) => h.user === user && h.host === host) ?? hops.find((h) => h.host === host);
    const port = hop ? (hop.port === 0 ? 22 : hop.port) : 22;
    return keychainAccount('password', `${user}@${host}:${port}`);
  };
  const canRemember = async (): Promise<boolean> => (await deps.secrets.status()).available;
  const count = (key: string): number => {
    const n = (askedFor.get(key) ?? 0) + 1;
    askedFor.set(key, n);
    return n;
  };
  const handle = async (req: AskpassRequest): Promise<string | null | 'hold'> => {
    const q = classifyPrompt(req);
    switch (q.kind) {
      case 'host-key': {
        state.hostKeyFingerprint = q.fingerprint;
        if (deps.unknownHostKey === 'refuse') {
          state.declinedHostKey = true;
          return 'no';
        }
        const ok = await deps.prompts.confirmHostKey({ hostLabel: target.label, hostPattern: q.hostPattern, keyType: q.keyType, fingerprint: q.fingerprint });
        if (!ok) state.declinedHostKey = true;
        return ok ? 'yes' : 'no';
      }
      case 'passphrase': {
        const account = keychainAccount('passphrase', q.keyPath);
        const n = count(account);
        pending.delete(account);
        let keyData: Buffer | undefined;
        try {
          keyData = readFileSync(q.keyPath);
        } catch {
          keyData = undefined;
        }
        // ssh2's parser checks a passphrase locally for the key formats it reads; others are left to ssh.
        const wrong = (secret: string): boolean => {
          if (!keyData) return false;
          const plain = utils.parseKey(keyData);
          // Not encrypted, or a format ssh2 cannot read (FIDO, PKCS#11): ssh itself decides.
          if (!(plain instanceof Error) || !/encrypted|passphrase/i.test(plain.message)) return false;
          return utils.parseKey(keyData, secret) instanceof Error;
        };
        if (n === 1) {
          const remembered = await deps.secrets.get(account);
          if (remembered !== null && !wrong(remembered)) return remembered;
        }
        const remember = await canRemember();
        for (let attempt = 0; attempt < 3; attempt++) {
          const answer = await deps.prompts.askPassphrase({ hostLabel: target.label, keyPath: q.keyPath, canRemember: remember, retry: n > 1 || attempt > 0 });
          if (answer === null) return null;
          if (wrong(answer.secret)) continue;
          if (answer.remember && remember) pending.set(account, { account, secret: answer.secret });
          return answer.secret;
        }
        return null;
      }
      case 'password':
      case 'other': {
        const account = q.kind === 'password' ? passwordAccount(q.user, q.host) : '';
        const n = account ? count(account) : 1;
        if (account) pending.delete(account);
        if (account && n === 1) {
          const remembered = await deps.secrets.get(account);
          if (remembered !== null) return remembered;
        }
        const remember = account !== '' && (await canRemember());
        const user = q.user || target.route.target.user;
        const answer = await deps.prompts.askPassword({ hostLabel: target.label, user, purpose: 'login', canRemember: remember, retry: n > 1 });
        if (answer === null) return null;
        if (account && answer.remember && remember) pending.set(account, { account, secret: answer.secret });
        return answer.secret;
      }
      case 'pin': {
        const answer = await deps.prompts.askPassphrase({ hostLabel: target.label, keyPath: `PIN of ${q.key}`, canRemember: false, retry: count(`pin:${q.key}`) > 1 });
        return answer?.secret ?? null;
      }
      case 'notice':
        // e.g. "Confirm user presence for key ED25519-SK SHA256:…": ssh waits for the touch and ends the helper.
        deps.log(`ssh[${target.label}]: ${q.text.slice(0, 200)}`);
        return 'hold';
      case 'confirm':
        deps.log(`ssh[${target.label}]: declined a confirmation: ${q.text.slice(0, 200)}`);
        return null;
    }
  };
  /** After a successful login: store what the user asked to remember. */
  const commit = async (): Promise<void> => {
    for (const p of pending.values()) await deps.secrets.set(p.account, p.secret).catch((e: unknown) => deps.log(`ssh: could not remember a secret: ${String(e)}`));
    pending.clear();
  };
  return { handle, commit, state };
}

// ---------------------------------------------------------------- processes

function run(sshPath: string, args: readonly string[], timeoutMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(sshPath, [...args], { timeout: timeoutMs, maxBuffer: MAX_OUTPUT, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((error as unknown as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Options of every multiplexed client: the master only, never a connection of its own. */
function muxArgs(controlPath: string): string[] {
  return ['-F', '/dev/null', '-S', controlPath, '-o', 'ControlMaster=no', '-o', 'BatchMode=yes', '-o', 'ProxyCommand=/bin/false', '-o', 'LogLevel=ERROR', '-T'];
}

const MUX_HOST = 'emberscope-master';

export async function masterRunning(sshPath: string, controlPath: string): Promise<boolean> {
  const st = await stat(controlPath).catch(() => undefined);
  if (!st?.isSocket()) return false;
  const r = await run(sshPath, ['-F', '/dev/null', '-S', controlPath, '-O', 'check', MUX_HOST]);
  return r.code === 0;
}

export async function stopMaster(sshPath: string, controlPath: string): Promise<void> {
  if (await masterRunning(sshPath, controlPath)) await run(sshPath, ['-F', '/dev/null', '-S', controlPath, '-O', 'exit', MUX_HOST]);
  await rm(`${controlPath}.json`, { force: true });
}

/** One control socket per (ssh binary, options, destination): another -F or -l is another master. */
export function controlPathFor(dir: string, sshPath: string, target: OpenSshTarget): string {
  const id = createHash('sha256').update(JSON.stringify([sshPath, target.args, target.destination])).digest('hex').slice(0, 20);
  return join(dir, `m-${id}`);
}

/** The master's own options, after the user's; command-line options win over the config's. */
function masterArgs(target: OpenSshTarget, deps: OpenSshDeps, controlPath: string, logFile: string): string[] {
  const t = target.route.target;
  const args = [
    ...target.args,
    '-o', 'ControlMaster=auto',
    '-o', `ControlPath=${controlPath}`,
    '-o', `ControlPersist=${deps.controlPersistSeconds}`,
    '-o', 'LogLevel=DEBUG1',
    '-E', logFile,
    '-f', '-N', '-T',
  ];
  // "no" would let a changed key through (OpenSSH only disables password login then): never.
  if (deps.unknownHostKey === 'accept-new' || t.strictHostKeyChecking === 'no') args.push('-o', 'StrictHostKeyChecking=accept-new');
  if (!t.connectTimeoutSeconds) args.push('-o', `ConnectTimeout=${Math.max(1, Math.round(deps.timeoutMs / 1000))}`);
  if (target.knownHostsFiles && target.knownHostsFiles.length > 0) {
    args.push('-o', `UserKnownHostsFile=${target.knownHostsFiles.map((f) => `"${f}"`).join(' ')}`);
  }
  // A silent network loss (no FIN, no RST) is noticed after three unanswered keepalives, unless the config says otherwise.
  if (!t.serverAliveIntervalSeconds) args.push('-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3');
  args.push('--', target.destination);
  return args;
}

interface Meta {
  readonly fingerprint: string;
}

const refs = new Map<string, number>();
const startLocks = new Map<string, Promise<unknown>>();
/** Masters this process started or used, stopped by closeAllMasters (unless kept). */
const used = new Map<string, string>();

async function startMaster(target: OpenSshTarget, deps: OpenSshDeps, controlPath: string): Promise<{ fingerprint: string }> {
  const answerer = promptAnswerer(target, deps);
  const helper = await writeAskpassHelper(deps.controlDir);
  let askpass: AskpassServer;
  try {
    askpass = await AskpassServer.start(deps.controlDir, answerer.handle);
  } catch (error) {
    await helper.remove();
    throw error;
  }
  const logFile = `${controlPath}.log`;
  await rm(logFile, { force: true });
  const args = masterArgs(target, deps, controlPath, logFile);
  deps.log(`ssh: starting the master connection for ${target.label}: ${deps.sshPath} ${args.join(' ')}`);
  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const env: Record<string, string | undefined> = { ...process.env, ...askpass.env(helper.path), LC_ALL: 'C' };
      delete env['DISPLAY'];
      // detached: no controlling terminal, so every question goes through askpass.
      const child = spawn(deps.sshPath, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env });
      let stderrText = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (d: string) => {
        if (stderrText.length < MAX_OUTPUT) stderrText += d;
      });
      // The forked master inherits the pipe: the parent's exit (not the pipe's end) says "authenticated".
      const timer = setTimeout(() => child.kill('SIGTERM'), deps.timeoutMs + 300_000);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new EmberError('NOT_FOUND', `OpenSSH (${deps.sshPath}) could not be started: ${e.message}`));
      });
      child.once('exit', (c) => {
        clearTimeout(timer);
        setTimeout(() => {
          child.stderr?.destroy();
          resolve({ code: c, stderr: stderrText });
        }, 20);
      });
    });
    const log = await readFile(logFile, 'utf8').catch(() => '');
    if (code !== 0 || !(await masterRunning(deps.sshPath, controlPath))) {
      throw mapSshFailure(`${stderr}\n${log}`, target.label, answerer.state);
    }
    await answerer.commit();
    const fps = [...log.matchAll(/Server host (?:key|certificate): \S+ (SHA256:[A-Za-z0-9+/]+)/g)];
    const fingerprint = fps[fps.length - 1]?.[1] ?? '';
    const how = /Authenticated to .* using "([^"]+)"/.exec(log)?.[1];
    deps.log(`ssh: master for ${target.label} up${how ? ` (authenticated by ${how})` : ''}, host key ${fingerprint}`);
    await writeFile(`${controlPath}.json`, JSON.stringify({ fingerprint } satisfies Meta), { mode: 0o600 });
    return { fingerprint };
  } finally {
    // The master keeps writing to the (unlinked) log for its life; nothing stays in the directory.
    await rm(logFile, { force: true });
    await askpass.close();
    await helper.remove();
  }
}

/** Runs one multiplexed command; the remote status (and signal) as ssh2's execCommand gives it. */
function muxExec(deps: OpenSshDeps, controlPath: string, command: string, options: { stdin?: string | NodeJS.ReadableStream; timeoutMs?: number; onStdinBytes?: (n: number) => void } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(deps.sshPath, [...muxArgs(controlPath), MUX_HOST, withSignalReport(command)], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          settled = true;
          child.kill('SIGTERM');
          reject(new EmberError('CONNECTION_LOST', `A command on the host did not finish within ${Math.round((options.timeoutMs ?? 0) / 1000)} s.`));
        }, options.timeoutMs)
      : undefined;
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += d.toString('utf8');
    });
    child.once('error', (e) => {
      if (timer) clearTimeout(timer);
      if (!settled) reject(new EmberError('CONNECTION_LOST', `Could not run a command on the host: ${e.message}`));
      settled = true;
    });
    child.once('close', (code) => {
      if (timer) clearTimeout(timer);
      if (settled) return;
      settled = true;
      const exit = exitOf(code, stderr);
      if (code === 255 && exit.signal === null && /Control socket connect|mux_client|kex_exchange_identification|Connection closed by|ProxyCommand|master/i.test(stderr)) {
        reject(new EmberError('CONNECTION_LOST', `The connection to the host is gone (OpenSSH: ${stderr.trim().split('\n')[0]?.slice(0, 200) ?? ''}).`));
        return;
      }
      // As ssh2 reports it: SIGKILL.
      resolve({ code: exit.code, signal: exit.signal ? `SIG${exit.signal}` : null, stdout, stderr: exit.stderr });
    });
    child.stdin.on('error', () => undefined);
    const input = options.stdin;
    if (input === undefined) child.stdin.end();
    else if (typeof input === 'string') child.stdin.end(input);
    else {
      input.on('data', (chunk: Buffer) => options.onStdinBytes?.(chunk.length));
      input.on('error', (e: Error) => {
        child.kill('SIGTERM');
        if (!settled) reject(new EmberError('BAD_INPUT', `Cannot read the file to upload: ${e.message}`));
        settled = true;
      });
      input.pipe(child.stdin);
    }
  });
}

function muxAgentStream(deps: OpenSshDeps, controlPath: string, command: string, onLog: (line: string) => void, onExit: (code: number | null, signal?: string | null) => void): AgentStreamFactory {
  return async () => {
    const child: ChildProcess = spawn(deps.sshPath, [...muxArgs(controlPath), MUX_HOST, withSignalReport(command)], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    const lines = new LineSplitter();
    let signal: string | null = null;
    const take = (line: string): void => {
      const m = new RegExp(`^${SIGNAL_MARK}(\\d+)$`).exec(line);
      if (m) signal = signalName(Number(m[1]));
      else if (line !== '') onLog(line);
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) take(line);
    });
    child.on('close', (code) => {
      const rest = lines.flush();
      if (rest) take(rest);
      onExit(signal ? null : code, signal);
    });
    const stdin = child.stdin;
    const stdout = child.stdout;
    if (!stdin || !stdout) throw new EmberError('INTERNAL', 'ssh without pipes');
    const duplex = Duplex.from({ readable: stdout, writable: stdin });
    // A killed ssh ends the pipes early ("premature close"): reported through onExit, not thrown.
    duplex.on('error', () => undefined);
    duplex.on('close', () => {
      stdin.destroy();
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      }, 2000).unref();
    });
    return duplex;
  };
}

/**
 * Connects (or reuses this host's master) and returns the HostShell over it. `closed` resolves
 * when the master goes away (watched by a `-O proxy` client that also holds it open while the
 * session lasts).
 */
export async function connectOpenSsh(target: OpenSshTarget, deps: OpenSshDeps): Promise<OpenSshConnection> {
  await ensureControlDir(deps.controlDir);
  const controlPath = controlPathFor(deps.controlDir, deps.sshPath, target);
  const before = startLocks.get(controlPath) ?? Promise.resolve();
  const started = before.catch(() => undefined).then(async () => {
    if (await masterRunning(deps.sshPath, controlPath)) {
      const meta = await readFile(`${controlPath}.json`, 'utf8').then((t) => JSON.parse(t) as Meta).catch(() => ({ fingerprint: '' }));
      deps.log(`ssh: reusing the master connection for ${target.label}`);
      return { fingerprint: meta.fingerprint, authenticated: false };
    }
    return { ...(await startMaster(target, deps, controlPath)), authenticated: true };
  });
  startLocks.set(controlPath, started);
  const { fingerprint, authenticated } = await started;
  used.set(controlPath, deps.sshPath);

  // The hold: a mux proxy client that opens nothing on the host; it ends when the master does.
  const hold = spawn(deps.sshPath, ['-F', '/dev/null', '-S', controlPath, '-O', 'proxy', '-T', MUX_HOST], { stdio: ['pipe', 'ignore', 'pipe'] });
  hold.stdin.on('error', () => undefined);
  let holdErr = '';
  hold.stderr.setEncoding('utf8');
  hold.stderr.on('data', (d: string) => {
    if (holdErr.length < 4096) holdErr += d;
  });
  refs.set(controlPath, (refs.get(controlPath) ?? 0) + 1);
  let closing = false;
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    const n = (refs.get(controlPath) ?? 1) - 1;
    if (n > 0) refs.set(controlPath, n);
    else {
      refs.delete(controlPath);
      if (!deps.keepMasters) {
        // The next connect to this destination waits for the stop, so it never reuses a dying master.
        const stopping = stopMaster(deps.sshPath, controlPath).finally(() => used.delete(controlPath));
        startLocks.set(controlPath, stopping);
        await stopping;
      }
    }
  };
  const closed = new Promise<Error | undefined>((resolve) => {
    hold.once('exit', () => {
      if (closing) return resolve(undefined);
      void release();
      resolve(new EmberError('CONNECTION_LOST', `The OpenSSH connection to ${target.label} ended${holdErr.trim() ? ` (${holdErr.trim().split('\n')[0]?.slice(0, 200)})` : ''}.`));
    });
  });

  const shell: HostShell & { transport: 'openssh' } = {
    kind: 'ssh',
    transport: 'openssh',
    exec: (command, options = {}) => muxExec(deps, controlPath, command, { ...(options.stdin !== undefined ? { stdin: options.stdin } : {}), ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) }),
    upload: async (localPath, remotePath, onProgress) => {
      const { size } = await stat(localPath);
      let sent = 0;
      onProgress(0, size);
      // A plain stream into a private file; deploy checks its SHA-256 on the host before anything runs.
      const r = await muxExec(deps, controlPath, `umask 077 && cat > ${shellQuote(remotePath)}`, {
        stdin: createReadStream(localPath),
        onStdinBytes: (n) => {
          sent += n;
          onProgress(Math.min(sent, size), size);
        },
      });
      if (r.code !== 0) throw new EmberError('CONNECTION_LOST', `Upload to ${remotePath} failed: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.code ?? r.signal ?? '?'}`}`);
      onProgress(size, size);
    },
    agentStream: (command, onLog, onExit) => muxAgentStream(deps, controlPath, command, onLog, onExit),
    closed,
    close: () => {
      if (closing) return;
      closing = true;
      hold.kill('SIGTERM');
      void release();
    },
  };
  return { shell, fingerprint, authenticated, controlPath };
}

/** Stops every master this process started or reused and still knows of (app exit, tests, CLI without keep). */
export async function closeAllMasters(): Promise<void> {
  for (const [path, sshPath] of [...used]) {
    await stopMaster(sshPath, path);
    used.delete(path);
    refs.delete(path);
  }
}
