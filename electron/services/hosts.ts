// The host list (This machine, ~/.ssh/config hosts, hosts added in the app) and the resolution
// of a destination (`local`, a host id, an ssh_config alias or `[user@]host[:port]`) into an SSH
// route, with ssh_config applied to the target and to every ProxyJump hop.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { EmberError } from '../../core/errors';
import { writeFileAtomic } from './paths';
import { localContext, opensshAvailable, resolveWithFallback, resolveWithOpenSsh, type ResolvedHost, type ResolveOptions } from './openssh-config';
import { listConfigHosts, loadSshConfigChecked, OpenSshUnsupported, parseJumpItem, parseProxyJump, resolveHost, type SshConfig } from './ssh-config';
import type { SshEndpoint, SshRoute } from './ssh';
import type { HostEntry, HostInput, HostsService } from './types';

export const LOCAL_HOST_ID = 'local';

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'root';
  }
}

export type Destination =
  | { readonly kind: 'local'; readonly entry: HostEntry }
  | { readonly kind: 'ssh'; readonly entry: HostEntry; readonly route: SshRoute; readonly openssh: OpenSshDestination };

/** What `ssh` is given for a destination, and the known_hosts files OpenSSH resolved for it. */
export interface OpenSshDestination {
  readonly destination: string;
  readonly args: readonly string[];
  readonly userKnownHostsFiles: readonly string[];
}

export interface DestinationOverrides {
  readonly port?: number;
  readonly identityFile?: string;
}

export interface HostsOptions {
  /** The ssh binary for `ssh -G` (default `ssh`); '' = never (the built-in parser only). */
  readonly sshPath?: string;
}

const LIST_CONCURRENCY = 4;

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Whether known_hosts files differ from OpenSSH's defaults (then they are this host's own). */
function ownKnownHosts(r: ResolvedHost, home: string): readonly string[] | undefined {
  const userDefault = [join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')];
  const globalDefault = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  const userOwn = !same(r.userKnownHostsFiles, userDefault);
  const globalOwn = !same(r.globalKnownHostsFiles, globalDefault);
  if (!userOwn && !globalOwn) return undefined;
  return [...(userOwn ? r.userKnownHostsFiles : []), ...(globalOwn ? r.globalKnownHostsFiles : [])];
}

interface StoredHost {
  id: string;
  label: string;
  hostName: string;
  user: string;
  port: number;
  identityFile: string;
  proxyJump: string;
}

// eslint-disable-next-line no-control-regex
const LABEL_RE = /^[^\u0000-\u001f\u007f]{1,200}$/;
const HOSTNAME_RE = /^[A-Za-z0-9._:%\-[\]]{1,255}$/;
const USER_RE = /^[A-Za-z0-9._][A-Za-z0-9._@-]{0,63}$/;

function validateInput(input: HostInput): StoredHost {
  const label = input.label.trim();
  const hostName = input.hostName.trim();
  const user = input.user.trim();
  if (!LABEL_RE.test(label)) throw new EmberError('BAD_OPTIONS', 'A host needs a label of 1 to 200 printable characters.');
  if (!HOSTNAME_RE.test(hostName)) throw new EmberError('BAD_OPTIONS', `"${hostName.slice(0, 60)}" is not a host name or address.`);
  if (user !== '' && !USER_RE.test(user)) throw new EmberError('BAD_OPTIONS', `"${user.slice(0, 60)}" is not a user name.`);
  if (!Number.isInteger(input.port) || input.port < 0 || input.port > 65535) throw new EmberError('BAD_OPTIONS', 'The port must be between 1 and 65535 (0 for the default).');
  if (input.proxyJump.trim() !== '' && parseProxyJump(input.proxyJump.trim()) === undefined) {
    throw new EmberError('BAD_OPTIONS', 'ProxyJump must be a comma-separated list of [user@]host[:port].');
  }
  if (input.identityFile.length > 4096 || input.identityFile.includes('\0')) throw new EmberError('BAD_OPTIONS', 'Bad identity file path.');
  return { id: '', label, hostName, user, port: input.port, identityFile: input.identityFile.trim(), proxyJump: input.proxyJump.trim() };
}

export class Hosts implements HostsService {
  private readonly file: string;

  constructor(
    dataDir: string,
    private readonly sshConfigPath: string = join(homedir(), '.ssh', 'config'),
    private readonly options: HostsOptions = {},
  ) {
    this.file = join(dataDir, 'hosts.json');
  }

  /** ssh's own default (~/.ssh/config, then /etc/ssh/ssh_config) unless another file was given. */
  private get explicitConfig(): string | undefined {
    return this.sshConfigPath === join(homedir(), '.ssh', 'config') ? undefined : this.sshConfigPath;
  }

  config(): SshConfig {
    return loadSshConfigChecked(this.sshConfigPath, { systemConfig: this.explicitConfig === undefined });
  }

  /** A host's settings as OpenSSH resolves them (`ssh -G`), or the built-in parser's where no ssh exists. */
  async settings(alias: string, over: { user?: string; port?: number; identityFile?: string } = {}): Promise<ResolvedHost> {
    const options: ResolveOptions = {
      ...(this.explicitConfig !== undefined ? { configPath: this.explicitConfig } : {}),
      ...(over.user ? { user: over.user } : {}),
      ...(over.port ? { port: over.port } : {}),
      ...(over.identityFile ? { identityFile: over.identityFile } : {}),
      ...(this.options.sshPath ? { sshPath: this.options.sshPath } : {}),
    };
    if (this.options.sshPath !== '' && (await opensshAvailable(this.options.sshPath))) return resolveWithOpenSsh(alias, options);
    try {
      return resolveWithFallback(alias, options.configPath !== undefined ? options : { ...options, configPath: this.sshConfigPath });
    } catch (error) {
      if (error instanceof OpenSshUnsupported) throw new EmberError('BAD_OPTIONS', `${error.message}.`, { keyword: error.keyword });
      throw error;
    }
  }

  private async readApp(): Promise<StoredHost[]> {
    if (!existsSync(this.file)) return [];
    try {
      const data = JSON.parse(await readFile(this.file, 'utf8')) as { hosts?: StoredHost[] };
      return Array.isArray(data.hosts) ? data.hosts.filter((h) => typeof h.id === 'string' && typeof h.hostName === 'string') : [];
    } catch {
      throw new EmberError('BAD_INPUT', `The host list ${this.file} is damaged: fix or remove it.`);
    }
  }

  private async writeApp(hosts: StoredHost[]): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, hosts }, null, 2)}\n`);
  }

  localEntry(): HostEntry {
    return { id: LOCAL_HOST_ID, label: 'This machine', source: 'local', hostName: '', user: localUser(), port: 0, identityFile: '', proxyJump: '', editable: false };
  }

  private async configEntry(config: SshConfig, alias: string): Promise<HostEntry> {
    try {
      return { id: `ssh:${alias}`, label: alias, ...settingsView(await this.settings(alias)) };
    } catch (error) {
      // Shown with what the built-in parser can tell, and why it is not OpenSSH's answer.
      const r = resolveHost(config, alias);
      return {
        id: `ssh:${alias}`,
        label: alias,
        source: 'ssh-config',
        hostName: r.hostName,
        user: r.user,
        port: r.port,
        identityFile: r.identityFiles[0] ?? '',
        proxyJump: r.proxyJumpText,
        editable: false,
        configProblem: error instanceof Error ? error.message : String(error),
      };
    }
  }

  private appEntry(h: StoredHost): HostEntry {
    return { ...h, id: `app:${h.id}`, source: 'app', editable: true };
  }

  async list(): Promise<readonly HostEntry[]> {
    const config = this.config();
    const aliases = listConfigHosts(config);
    const entries = await mapLimited(aliases, LIST_CONCURRENCY, (a) => this.configEntry(config, a));
    return [this.localEntry(), ...entries, ...(await this.readApp()).map((h) => this.appEntry(h))];
  }

  async add(input: HostInput): Promise<HostEntry> {
    const host = { ...validateInput(input), id: randomUUID() };
    const hosts = await this.readApp();
    hosts.push(host);
    await this.writeApp(hosts);
    return this.appEntry(host);
  }

  async update(id: string, input: HostInput): Promise<HostEntry> {
    const raw = id.startsWith('app:') ? id.slice(4) : id;
    const hosts = await this.readApp();
    const index = hosts.findIndex((h) => h.id === raw);
    if (index < 0) throw new EmberError('NOT_FOUND', 'Only hosts added in the app can be edited; this one was not found.');
    const host = { ...validateInput(input), id: raw };
    hosts[index] = host;
    await this.writeApp(hosts);
    return this.appEntry(host);
  }

  async remove(id: string): Promise<void> {
    const raw = id.startsWith('app:') ? id.slice(4) : id;
    const hosts = await this.readApp();
    const next = hosts.filter((h) => h.id !== raw);
    if (next.length === hosts.length) throw new EmberError('NOT_FOUND', 'Only hosts added in the app can be removed; this one was not found.');
    await this.writeApp(next);
  }

  private async endpoint(label: string, alias: string, user: string, port: number, identityFile: string): Promise<{ endpoint: SshEndpoint; settings: ResolvedHost }> {
    const identity = identityFile.startsWith('~/') ? join(homedir(), identityFile.slice(2)) : identityFile;
    const r = await this.settings(alias, { user, port, identityFile: identity });
    const knownHostsFiles = ownKnownHosts(r, localContext().home);
    const endpoint: SshEndpoint = {
      label,
      host: r.hostName,
      port: r.port,
      user: r.user || localUser(),
      // -i: that key only, as before; else every IdentityFile in ssh's order.
      identityFiles: identity !== '' ? [identity] : [...r.identityFiles],
      identitiesOnly: r.identitiesOnly || identity !== '',
      certificateFiles: r.certificateFiles,
      identityAgent: r.identityAgent,
      proxyCommand: r.proxyCommand,
      hostKeyAlias: r.hostKeyAlias,
      strictHostKeyChecking: r.strictHostKeyChecking,
      connectTimeoutSeconds: r.connectTimeoutSeconds,
      serverAliveIntervalSeconds: r.serverAliveIntervalSeconds,
      serverAliveCountMax: r.serverAliveCountMax,
      ...(knownHostsFiles ? { knownHostsFiles } : {}),
    };
    return { endpoint, settings: r };
  }

  /**
   * The hops of a ProxyJump value, as OpenSSH follows them: each is resolved through ssh_config,
   * and the first hop's own ProxyJump (if any) comes before it, recursively.
   */
  private async jumps(proxyJump: string, depth = 0): Promise<SshEndpoint[]> {
    const items = parseProxyJump(proxyJump);
    if (items === undefined) throw new EmberError('BAD_OPTIONS', `Cannot read ProxyJump "${proxyJump.slice(0, 100)}".`);
    if (depth > 8) throw new EmberError('BAD_OPTIONS', 'ProxyJump hosts refer to each other in a loop (more than 8 levels).');
    const resolved = await Promise.all(items.map((j) => this.endpoint(j.host, j.host, j.user, j.port, '')));
    const hops = resolved.map((r) => r.endpoint);
    const first = resolved[0];
    if (!first) return hops;
    const before = first.settings.proxyJump;
    return before !== '' ? [...(await this.jumps(before, depth + 1)), ...hops] : hops;
  }

  /** Resolves a destination: `local`, a host id, an ssh_config alias or `[user@]host[:port]`. */
  async resolve(dest: string, overrides: DestinationOverrides = {}): Promise<Destination> {
    if (dest === LOCAL_HOST_ID || dest === 'localhost-agent') return { kind: 'local', entry: this.localEntry() };
    const identity = overrides.identityFile ?? '';
    if (dest.startsWith('app:')) {
      const h = (await this.readApp()).find((x) => `app:${x.id}` === dest);
      if (!h) throw new EmberError('NOT_FOUND', `No host ${dest}.`);
      const { endpoint: target, settings } = await this.endpoint(h.label, h.hostName, h.user, overrides.port ?? h.port, identity || h.identityFile);
      const jumpText = h.proxyJump !== '' ? h.proxyJump : settings.proxyJump;
      // An app host's own ProxyJump replaces a ProxyCommand of the config.
      const routed = h.proxyJump !== '' ? { ...target, proxyCommand: '' } : target;
      const args = this.opensshArgs(h.user, overrides.port ?? h.port, identity || h.identityFile, h.proxyJump);
      return { kind: 'ssh', entry: this.appEntry(h), route: { jumps: await this.jumps(jumpText), target: routed }, openssh: { destination: h.hostName, args, userKnownHostsFiles: settings.userKnownHostsFiles } };
    }
    const spec = dest.startsWith('ssh:') ? dest.slice(4) : dest;
    const item = parseJumpItem(spec);
    if (!item) throw new EmberError('BAD_OPTIONS', `"${dest.slice(0, 100)}" is not a destination: use an ssh_config alias, [user@]host[:port] or local.`);
    const { endpoint: target, settings } = await this.endpoint(item.host, item.host, item.user, overrides.port ?? item.port, identity);
    const entry: HostEntry = { id: `ssh:${spec}`, label: item.host, ...settingsView(settings), identityFile: target.identityFiles[0] ?? '' };
    const openssh = { destination: item.host, args: this.opensshArgs(item.user, overrides.port ?? item.port, identity, ''), userKnownHostsFiles: settings.userKnownHostsFiles };
    return { kind: 'ssh', entry, route: { jumps: await this.jumps(settings.proxyJump), target }, openssh };
  }

  /** What `ssh` is given for this destination: the same -F, -l, -p, -i (and an app host's -J) as `ssh -G`. */
  private opensshArgs(user: string, port: number, identityFile: string, proxyJump: string): string[] {
    const identity = identityFile.startsWith('~/') ? join(homedir(), identityFile.slice(2)) : identityFile;
    return [
      ...(this.explicitConfig !== undefined ? ['-F', this.explicitConfig] : []),
      ...(user ? ['-l', user] : []),
      ...(port ? ['-p', String(port)] : []),
      ...(identity ? ['-i', identity] : []),
      ...(proxyJump ? ['-J', proxyJump] : []),
    ];
  }
}

/** The HostEntry fields a UI or the CLI shows of resolved settings. */
function settingsView(r: ResolvedHost): Omit<HostEntry, 'id' | 'label'> {
  return {
    source: 'ssh-config',
    hostName: r.hostName,
    user: r.user,
    port: r.port,
    identityFile: r.identityFiles[0] ?? '',
    identityFiles: r.identityFiles,
    certificateFiles: r.certificateFiles,
    proxyJump: r.proxyJump,
    hasProxyCommand: r.proxyCommand !== '',
    knownHostsFiles: [...r.userKnownHostsFiles, ...r.globalKnownHostsFiles],
    hostKeyAlias: r.hostKeyAlias,
    configSource: r.source,
    editable: false,
  };
}
