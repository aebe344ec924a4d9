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
import { listConfigHosts, loadSshConfig, parseJumpItem, parseProxyJump, resolveHost, type SshConfig } from './ssh-config';
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
  | { readonly kind: 'ssh'; readonly entry: HostEntry; readonly route: SshRoute };

export interface DestinationOverrides {
  readonly port?: number;
  readonly identityFile?: string;
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
  ) {
    this.file = join(dataDir, 'hosts.json');
  }

  config(): SshConfig {
    return loadSshConfig(this.sshConfigPath);
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

  private configEntry(config: SshConfig, alias: string): HostEntry {
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
    };
  }

  private appEntry(h: StoredHost): HostEntry {
    return { ...h, id: `app:${h.id}`, source: 'app', editable: true };
  }

  async list(): Promise<readonly HostEntry[]> {
    const config = this.config();
    return [this.localEntry(), ...listConfigHosts(config).map((a) => this.configEntry(config, a)), ...(await this.readApp()).map((h) => this.appEntry(h))];
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

  private endpoint(config: SshConfig, label: string, alias: string, user: string, port: number, identityFile: string): SshEndpoint {
    const r = resolveHost(config, alias);
    const identityFiles = identityFile !== '' ? [identityFile.startsWith('~/') ? join(homedir(), identityFile.slice(2)) : identityFile] : [...r.identityFiles];
    return {
      label,
      host: r.hostName,
      port: port || r.port || 22,
      user: user || r.user || localUser(),
      identityFiles,
      identitiesOnly: r.identitiesOnly || identityFile !== '',
    };
  }

  /**
   * The hops of a ProxyJump value, as OpenSSH follows them: each is resolved through ssh_config,
   * and the first hop's own ProxyJump (if any) comes before it, recursively.
   */
  private jumps(config: SshConfig, proxyJump: string, depth = 0): SshEndpoint[] {
    const items = parseProxyJump(proxyJump);
    if (items === undefined) throw new EmberError('BAD_OPTIONS', `Cannot read ProxyJump "${proxyJump.slice(0, 100)}".`);
    if (depth > 8) throw new EmberError('BAD_OPTIONS', 'ProxyJump hosts refer to each other in a loop (more than 8 levels).');
    const hops = items.map((j) => this.endpoint(config, j.host, j.host, j.user, j.port, ''));
    const first = items[0];
    if (!first) return hops;
    const before = resolveHost(config, first.host).proxyJumpText;
    return before !== '' ? [...this.jumps(config, before, depth + 1), ...hops] : hops;
  }

  /** Resolves a destination: `local`, a host id, an ssh_config alias or `[user@]host[:port]`. */
  async resolve(dest: string, overrides: DestinationOverrides = {}): Promise<Destination> {
    if (dest === LOCAL_HOST_ID || dest === 'localhost-agent') return { kind: 'local', entry: this.localEntry() };
    const config = this.config();
    const identity = overrides.identityFile ?? '';
    if (dest.startsWith('app:')) {
      const h = (await this.readApp()).find((x) => `app:${x.id}` === dest);
      if (!h) throw new EmberError('NOT_FOUND', `No host ${dest}.`);
      const target = this.endpoint(config, h.label, h.hostName, h.user, overrides.port ?? h.port, identity || h.identityFile);
      const jumpText = h.proxyJump !== '' ? h.proxyJump : resolveHost(config, h.hostName).proxyJumpText;
      return { kind: 'ssh', entry: this.appEntry(h), route: { jumps: this.jumps(config, jumpText), target } };
    }
    const spec = dest.startsWith('ssh:') ? dest.slice(4) : dest;
    const item = parseJumpItem(spec);
    if (!item) throw new EmberError('BAD_OPTIONS', `"${dest.slice(0, 100)}" is not a destination: use an ssh_config alias, [user@]host[:port] or local.`);
    const target = this.endpoint(config, item.host, item.host, item.user, overrides.port ?? item.port, identity);
    const resolved = resolveHost(config, item.host);
    const entry: HostEntry = {
      id: `ssh:${spec}`,
      label: item.host,
      source: 'ssh-config',
      hostName: target.host,
      user: target.user,
      port: target.port,
      identityFile: target.identityFiles[0] ?? '',
      proxyJump: resolved.proxyJumpText,
      editable: false,
    };
    return { kind: 'ssh', entry, route: { jumps: this.jumps(config, resolved.proxyJumpText), target } };
  }
}
