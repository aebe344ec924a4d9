// Shared by the transport tests: open a host through either transport from the same ssh_config
// (`Hosts.resolve` with -F, as the services do), and check that nothing is left behind.
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { HostShell } from '../host-shell';
import { sshShell } from '../host-shell';
import { Hosts } from '../hosts';
import { KnownHostsStore } from '../known-hosts-store';
import { connectOpenSsh } from '../openssh-transport';
import type { SecretStore } from '../secrets';
import { connectRoute } from '../ssh';
import type { Prompts } from '../types';

const run = promisify(execFile);

export type TransportKind = 'builtin' | 'openssh';
export const TRANSPORTS: readonly TransportKind[] = ['builtin', 'openssh'];

export interface Opened {
  readonly shell: HostShell;
  readonly fingerprint: string;
}

export interface OpenOptions {
  readonly dataDir: string;
  readonly controlDir: string;
  readonly config: string;
  readonly alias: string;
  readonly prompts: Prompts;
  readonly secrets: SecretStore;
  readonly unknownHostKey?: 'ask' | 'accept-new' | 'refuse';
  readonly keepMasters?: boolean;
  readonly log?: (line: string) => void;
}

/** Connects `alias` of `config` with the given transport. */
export async function openWith(kind: TransportKind, o: OpenOptions): Promise<Opened> {
  const hosts = new Hosts(o.dataDir, o.config);
  const dest = await hosts.resolve(o.alias);
  if (dest.kind !== 'ssh') throw new Error('not an SSH destination');
  const common = { secrets: o.secrets, prompts: o.prompts, unknownHostKey: o.unknownHostKey ?? 'refuse', timeoutMs: 10_000, log: o.log ?? (() => undefined) };
  if (kind === 'builtin') {
    // The config's UserKnownHostsFile is read; new keys go to the app file (as the services do).
    const conn = await connectRoute(dest.route, { ...common, knownHosts: new KnownHostsStore(join(o.dataDir, 'known_hosts'), []) });
    return { shell: sshShell(conn), fingerprint: conn.fingerprint };
  }
  const conn = await connectOpenSsh(
    { label: dest.entry.label, destination: dest.openssh.destination, args: dest.openssh.args, route: dest.route },
    { ...common, sshPath: 'ssh', controlDir: o.controlDir, controlPersistSeconds: 30, keepMasters: o.keepMasters ?? false },
  );
  return { shell: conn.shell, fingerprint: conn.fingerprint };
}

/** ssh processes of this test (their command line names the test's control directory). */
export async function sshProcessesUsing(controlDir: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,args=']);
  return stdout
    .split('\n')
    .filter((l) => l.includes(controlDir) && /\bssh\b/.test(l) && !l.includes('ps -eo'))
    .map((l) => l.trim());
}

/** What is left in the control directory (sockets, helpers, logs). */
export async function controlDirEntries(controlDir: string): Promise<string[]> {
  return readdir(controlDir).catch(() => []);
}

/** The sshd processes serving `user`'s connections ("sshd: USER [priv]"), by PID. */
export async function sshdSessionPids(user: string): Promise<number[]> {
  const { stdout } = await run('ps', ['-eo', 'pid=,args=']);
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => new RegExp(`^\\d+ sshd: ${user}( \\[priv\\]|@notty)`).test(l))
    .map((l) => Number(l.split(' ')[0]));
}

/** Logins sshd accepted for `user` (LogLevel VERBOSE: one "Accepted …" line per authentication). */
export function acceptedLogins(sshdLog: string, user: string): number {
  return sshdLog.split('\n').filter((l) => new RegExp(`Accepted \\S+ for ${user} from`).test(l)).length;
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}
