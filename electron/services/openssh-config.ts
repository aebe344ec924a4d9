// A host's client settings as OpenSSH itself resolves them: `ssh -G` (with the same -F, -p, -i,
// -l the user gave) prints the configuration after every Host and Match block, Include and
// default was applied. Where no `ssh` is installed, the own parser (./ssh-config.ts) answers
// instead, and says so when the config uses something it cannot evaluate (OpenSshUnsupported).
// `ssh -G` leaves some values as written: IdentityFile, CertificateFile and ProxyCommand get
// their %-tokens and `~` expanded here the way ssh does when it connects.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { homedir, hostname as osHostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { EmberError } from '../../core/errors';
import { expandTilde, loadSshConfigChecked, resolveHost as resolveFallback, type ResolvedHost as FallbackHost } from './ssh-config';

export type StrictHostKeyChecking = 'yes' | 'no' | 'accept-new' | 'ask';

export interface ResolvedHost {
  /** Who resolved it: OpenSSH (`ssh -G`) or the own parser where no ssh client exists. */
  readonly source: 'openssh' | 'fallback';
  /** The name given (ssh_config alias or host name). */
  readonly alias: string;
  readonly hostName: string;
  readonly user: string;
  readonly port: number;
  /** Every IdentityFile in the order ssh tries them (OpenSSH's defaults when none is set). */
  readonly identityFiles: readonly string[];
  readonly certificateFiles: readonly string[];
  readonly identitiesOnly: boolean;
  /** '' = not set (SSH_AUTH_SOCK), 'none' = no agent, else a socket path. */
  readonly identityAgent: string;
  /** ProxyJump as written ('' = none). */
  readonly proxyJump: string;
  /** ProxyCommand with %h %n %p %r expanded ('' = none). */
  readonly proxyCommand: string;
  readonly userKnownHostsFiles: readonly string[];
  readonly globalKnownHostsFiles: readonly string[];
  /** '' = none. */
  readonly hostKeyAlias: string;
  readonly strictHostKeyChecking: StrictHostKeyChecking;
  /** 0 = none (the caller's own timeout). */
  readonly connectTimeoutSeconds: number;
  readonly serverAliveIntervalSeconds: number;
  readonly serverAliveCountMax: number;
}

export interface ResolveOptions {
  /** -F (undefined: ssh's own default, ~/.ssh/config then /etc/ssh/ssh_config). */
  readonly configPath?: string;
  readonly port?: number;
  readonly user?: string;
  readonly identityFile?: string;
  readonly timeoutMs?: number;
  /** The ssh binary (default `ssh` from PATH). */
  readonly sshPath?: string;
}

/** Values of the %-tokens ssh_config(5) documents for the local side. */
export interface LocalContext {
  readonly home: string;
  readonly localUser: string;
  /** Full local host name (%l); %L is its first label. */
  readonly localHost: string;
  readonly uid: number;
}

export function localContext(): LocalContext {
  let user = process.env['USER'] ?? 'root';
  let home = homedir();
  let uid = 0;
  try {
    const info = userInfo();
    user = info.username;
    home = info.homedir || home;
    uid = info.uid;
  } catch {
    // no passwd entry: the environment's values
  }
  return { home, localUser: user, localHost: osHostname(), uid };
}

const DEFAULT_TIMEOUT_MS = 10_000;
// An alias ssh would take for an option, or that holds what no host name holds, is refused.
// eslint-disable-next-line no-control-regex
const ALIAS_RE = /^[^-\s\u0000-\u001f\u007f'"\\][^\s\u0000-\u001f\u007f'"\\]{0,254}$/;

export function validateAlias(alias: string): string {
  if (!ALIAS_RE.test(alias)) throw new EmberError('BAD_OPTIONS', `"${alias.slice(0, 60)}" is not a host name or ssh_config alias.`);
  return alias;
}

/** %C: SHA-1 of %l%h%p%r, hex (OpenSSH 9.2's ssh_connection_hash). */
export function connectionHash(localHost: string, host: string, port: number, user: string): string {
  return createHash('sha1').update(`${localHost}${host}${port}${user}`).digest('hex');
}

export interface TokenHost {
  readonly alias: string;
  readonly hostName: string;
  readonly port: number;
  readonly user: string;
  readonly hostKeyAlias: string;
}

/** Expands the tokens of IdentityFile, CertificateFile, IdentityAgent, UserKnownHostsFile (ssh_config(5) TOKENS). */
export function expandFileTokens(value: string, h: TokenHost, local: LocalContext): string {
  const map: Record<string, string> = {
    '%': '%',
    C: connectionHash(local.localHost, h.hostName, h.port, h.user),
    L: local.localHost.split('.')[0] ?? '',
    i: String(local.uid),
    k: h.hostKeyAlias || h.hostName,
    l: local.localHost,
    n: h.alias,
    p: String(h.port),
    d: local.home,
    h: h.hostName,
    r: h.user,
    u: local.localUser,
  };
  return expandTilde(value, local.home).replace(/%(.)/g, (whole, c: string) => map[c] ?? whole);
}

/** ProxyCommand accepts %% %h %n %p %r. */
export function expandProxyTokens(value: string, h: TokenHost): string {
  const map: Record<string, string> = { '%': '%', h: h.hostName, n: h.alias, p: String(h.port), r: h.user };
  return value.replace(/%(.)/g, (whole, c: string) => map[c] ?? whole);
}

function strictOf(value: string | undefined): StrictHostKeyChecking {
  switch ((value ?? '').toLowerCase()) {
    case 'yes':
    case 'true':
      return 'yes';
    case 'no':
    case 'false':
    case 'off':
      return 'no';
    case 'accept-new':
      return 'accept-new';
    default:
      return 'ask';
  }
}

function seconds(value: string | undefined): number {
  const n = Number(value);
  return value !== undefined && /^\d+$/.test(value) && Number.isSafeInteger(n) ? n : 0;
}

/** Reads the output of `ssh -G` into a ResolvedHost. */
export function parseSshG(output: string, alias: string, local: LocalContext = localContext()): ResolvedHost {
  const single = new Map<string, string>();
  const identityFiles: string[] = [];
  const certificateFiles: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^(\S+)\s(.*)$/.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const key = (m[1] ?? '').toLowerCase();
    const value = m[2] ?? '';
    if (key === 'identityfile') identityFiles.push(value);
    else if (key === 'certificatefile') certificateFiles.push(value);
    else if (!single.has(key)) single.set(key, value);
  }
  const hostName = single.get('hostname') ?? alias;
  const port = Number(single.get('port') ?? '22') || 22;
  const user = single.get('user') ?? local.localUser;
  const hostKeyAlias = single.get('hostkeyalias') ?? '';
  const th: TokenHost = { alias, hostName, port, user, hostKeyAlias };
  const list = (key: string): string[] => (single.get(key) ?? '').split(' ').filter((f) => f !== '' && f.toLowerCase() !== 'none');
  const proxyJump = single.get('proxyjump') ?? '';
  return {
    source: 'openssh',
    alias,
    hostName,
    user,
    port,
    identityFiles: identityFiles.map((f) => expandFileTokens(f, th, local)),
    certificateFiles: certificateFiles.map((f) => expandFileTokens(f, th, local)),
    identitiesOnly: /^(yes|true)$/i.test(single.get('identitiesonly') ?? 'no'),
    identityAgent: single.get('identityagent') ?? '',
    proxyJump: proxyJump.toLowerCase() === 'none' ? '' : proxyJump,
    proxyCommand: single.has('proxycommand') && single.get('proxycommand') !== 'none' ? expandProxyTokens(single.get('proxycommand') ?? '', th) : '',
    userKnownHostsFiles: list('userknownhostsfile'),
    globalKnownHostsFiles: list('globalknownhostsfile'),
    hostKeyAlias,
    strictHostKeyChecking: strictOf(single.get('stricthostkeychecking')),
    connectTimeoutSeconds: seconds(single.get('connecttimeout')),
    serverAliveIntervalSeconds: seconds(single.get('serveraliveinterval')),
    serverAliveCountMax: seconds(single.get('serveralivecountmax')) || 3,
  };
}

/** The argument vector of `ssh -G` (never through a shell; the alias comes last, after `--`). */
export function sshGArgs(alias: string, options: ResolveOptions): string[] {
  const args = ['-G'];
  if (options.configPath !== undefined) args.push('-F', options.configPath);
  if (options.port !== undefined && options.port > 0) args.push('-p', String(options.port));
  if (options.user !== undefined && options.user !== '') args.push('-l', options.user);
  if (options.identityFile !== undefined && options.identityFile !== '') args.push('-i', options.identityFile);
  args.push('--', validateAlias(alias));
  return args;
}

function runSshG(alias: string, options: ResolveOptions): Promise<string> {
  const args = sshGArgs(alias, options);
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    execFile(options.sshPath ?? 'ssh', args, { timeout, maxBuffer: 1024 * 1024, windowsHide: true, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const e = error as NodeJS.ErrnoException & { killed?: boolean };
      if (e.code === 'ENOENT') return reject(new EmberError('NOT_FOUND', 'No OpenSSH client (ssh) is installed.'));
      if (e.killed) return reject(new EmberError('BAD_OPTIONS', `ssh -G ${alias} did not answer within ${Math.round(timeout / 1000)} s (a Match exec command in the ssh config?).`));
      const why = stderr.split('\n').find((l) => l.trim() !== '' && !/^Pseudo-terminal/.test(l)) ?? e.message;
      reject(new EmberError('BAD_OPTIONS', `OpenSSH cannot read the configuration for ${alias}: ${why.trim().slice(0, 300)}`));
    });
  });
}

let sshPresent: Promise<boolean> | undefined;

/** Whether an OpenSSH client can be run (asked once per process). */
export function opensshAvailable(sshPath = 'ssh'): Promise<boolean> {
  if (sshPath !== 'ssh') return probe(sshPath);
  return (sshPresent ??= probe(sshPath));
}

function probe(sshPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(sshPath, ['-V'], { timeout: 5_000, windowsHide: true }, (error, _out, stderr) => resolve(!error && /OpenSSH/i.test(stderr)));
  });
}

/** Resolves a host with `ssh -G`. */
export async function resolveWithOpenSsh(alias: string, options: ResolveOptions = {}, local: LocalContext = localContext()): Promise<ResolvedHost> {
  return parseSshG(await runSshG(alias, options), alias, local);
}

const DEFAULT_IDENTITY_NAMES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'];

/** The own parser's answer completed with OpenSSH's defaults, in the shape `ssh -G` gives. */
export function fromFallback(r: FallbackHost, options: ResolveOptions, local: LocalContext): ResolvedHost {
  const user = options.user || r.user || local.localUser;
  const port = options.port || r.port || 22;
  const hostKeyAlias = r.hostKeyAlias ?? '';
  const th: TokenHost = { alias: r.alias, hostName: r.hostName, port, user, hostKeyAlias };
  const written = r.rawIdentityFiles ?? r.identityFiles;
  const own = written.length > 0 || options.identityFile ? written : DEFAULT_IDENTITY_NAMES.map((n) => `~/.ssh/${n}`);
  const identityFiles = [...(options.identityFile ? [options.identityFile] : []), ...own].map((f) => expandFileTokens(f, th, local));
  const known = r.userKnownHostsSet === true ? (r.rawUserKnownHostsFiles ?? r.userKnownHostsFiles) : ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
  const global = r.globalKnownHostsSet === true ? (r.globalKnownHostsFiles ?? []) : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
  return {
    source: 'fallback',
    alias: r.alias,
    hostName: r.hostName,
    user,
    port,
    identityFiles,
    certificateFiles: (r.certificateFiles ?? []).map((f) => expandFileTokens(f, th, local)),
    identitiesOnly: r.identitiesOnly,
    identityAgent: r.identityAgent ? (r.identityAgent.toLowerCase() === 'none' || r.identityAgent === 'SSH_AUTH_SOCK' ? r.identityAgent : expandFileTokens(r.identityAgent, th, local)) : '',
    proxyJump: r.proxyJumpText,
    proxyCommand: r.proxyCommand ? expandProxyTokens(r.proxyCommand, th) : '',
    userKnownHostsFiles: known.filter((f) => f.toLowerCase() !== 'none').map((f) => expandFileTokens(f, th, local)),
    globalKnownHostsFiles: global.filter((f) => f.toLowerCase() !== 'none').map((f) => expandFileTokens(f, th, local)),
    hostKeyAlias,
    strictHostKeyChecking: strictOf(r.strictHostKeyChecking),
    connectTimeoutSeconds: r.connectTimeoutSeconds,
    serverAliveIntervalSeconds: r.serverAliveIntervalSeconds ?? 0,
    serverAliveCountMax: r.serverAliveCountMax ?? 3,
  };
}

/** Resolves with the own parser (throws OpenSshUnsupported where it cannot answer rightly). */
export function resolveWithFallback(alias: string, options: ResolveOptions = {}, local: LocalContext = localContext()): ResolvedHost {
  validateAlias(alias);
  const path = options.configPath ?? join(local.home, '.ssh', 'config');
  const config = loadSshConfigChecked(path, { home: local.home, systemConfig: options.configPath === undefined });
  const r = resolveFallback(config, alias, {
    home: local.home,
    localUser: local.localUser,
    localHost: local.localHost,
    ...(options.user ? { user: options.user } : {}),
    ...(options.port ? { port: options.port } : {}),
    strict: true,
  });
  return fromFallback(r, options, local);
}

/** One host's settings: OpenSSH's where it is installed, else the own parser's. */
export async function resolveHostSettings(alias: string, options: ResolveOptions = {}): Promise<ResolvedHost> {
  if (await opensshAvailable(options.sshPath)) return resolveWithOpenSsh(alias, options);
  return resolveWithFallback(alias, options);
}
