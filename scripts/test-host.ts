// A real, throwaway SSH host on 127.0.0.1 for integration and end-to-end tests, usable by hand:
//
//   npm run test-host -- up [--sudo nopasswd|password] [--password] [--tcp-forwarding]   prints JSON
//   npm run test-host -- down [ID | --all]
//
// Each host has its own id, sshd (`sshd -D -e -f`), generated host key, a login user with a
// generated ed25519 key, a second unprivileged user that owns the workloads, and optional sudo
// rights. Everything it creates is recorded in its state directory so that `down`, or the next
// `up` after a crash, removes all of it: users and homes, sudoers entries, processes (by PID
// and by owner), file capabilities on its files, and the state directory itself.
// It needs root (it creates users); tests run as root here.

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect } from 'node:net';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, readdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const STATE_ROOT = '/run/emberscope-test-hosts';
const USER_COMMENT = 'emberscope-test-host';

export type SudoMode = 'none' | 'nopasswd' | 'password';

export interface TestHostOptions {
  /** sudo rights of the login user (host-setup tests). */
  sudo?: SudoMode;
  /** Allow password authentication (and give the user a password). Implied by sudo=password. */
  password?: boolean;
  /** Allow TCP forwarding: needed when this host is a ProxyJump bastion. */
  tcpForwarding?: boolean;
}

export interface TestHostFacts {
  id: string;
  host: '127.0.0.1';
  port: number;
  user: string;
  uid: number;
  home: string;
  /** Private key of `user` (0600, root-owned, in the state directory). */
  identityFile: string;
  publicKey: string;
  /** Present when password authentication or sudo=password was asked for. */
  password?: string;
  sudo: SudoMode;
  hostPublicKey: string;
  /** `SHA256:...` as printed by `ssh-keygen -lf`. */
  hostKeyFingerprint: string;
  /** One OpenSSH known_hosts line for this host (`[127.0.0.1]:PORT ssh-ed25519 AAAA...`). */
  knownHostsLine: string;
  workloadUser: string;
  workloadUid: number;
  /** Directory (0755) holding the reference workloads `hot-c` and `hot-go`. */
  binDir: string;
  stateDir: string;
  sshdPid: number;
}

interface State {
  facts: TestHostFacts;
  /** PID of the process that owns this host; 0 for a host brought up by the CLI. */
  ownerPid: number;
  pids: number[];
}

export type WorkloadKind = 'c' | 'go';

export interface Workload {
  pid: number;
  kind: WorkloadKind;
  /** Resolves with the workload's stdout (its completed rounds) when it exits. */
  exited: Promise<{ code: number | null; stdout: string }>;
  stop(): Promise<void>;
}

export class TestHost {
  private constructor(
    readonly facts: TestHostFacts,
    private readonly state: State,
  ) {}

  static async start(options: TestHostOptions = {}, ownerPid = process.pid): Promise<TestHost> {
    await removeLeftovers();
    const state = await createHost(options, ownerPid);
    return new TestHost(state.facts, state);
  }

  /** Runs a reference workload as the workload user. */
  async startWorkload(kind: WorkloadKind, opts: { seconds?: number; threads?: number } = {}): Promise<Workload> {
    const bin = join(this.facts.binDir, kind === 'c' ? 'hot-c' : 'hot-go');
    const child = spawn(
      'setpriv',
      ['--reuid', String(this.facts.workloadUid), '--regid', String(this.facts.workloadUid), '--init-groups', '--',
        bin, String(opts.seconds ?? 0), String(opts.threads ?? 0)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start the ${kind} workload`);
    await this.remember(pid);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<{ code: number | null; stdout: string }>((resolve) =>
      child.on('exit', (code) => resolve({ code, stdout })),
    );
    return {
      pid,
      kind,
      exited,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    };
  }

  /** Runs a command as the login user over nothing but setpriv (no SSH): fixture plumbing. */
  async runAsUser(argv: string[]): Promise<{ stdout: string; stderr: string }> {
    return run('setpriv', ['--reuid', String(this.facts.uid), '--regid', String(this.facts.uid), '--init-groups', '--', ...argv]);
  }

  /** Records a PID that `stop()` (or a later crash clean-up) must kill. */
  async remember(pid: number): Promise<void> {
    this.state.pids.push(pid);
    await saveState(this.state);
  }

  async stop(): Promise<void> {
    await teardown(this.state);
  }
}

export async function startTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  return TestHost.start(options);
}

// ---- creation ---------------------------------------------------------------------------

async function createHost(options: TestHostOptions, ownerPid: number): Promise<State> {
  const id = randomBytes(3).toString('hex');
  const stateDir = join(STATE_ROOT, id);
  const user = `embt${id}`;
  const workloadUser = `embw${id}`;
  const sudo = options.sudo ?? 'none';
  const wantsPassword = options.password === true || sudo === 'password';
  const password = wantsPassword ? randomBytes(12).toString('base64url') : undefined;

  await mkdir(STATE_ROOT, { recursive: true, mode: 0o755 });
  await mkdir(stateDir, { mode: 0o755 });
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  // The state is saved before anything is created, so that a crash at any step is cleaned up.
  const state: State = {
    facts: { id, user, workloadUser, stateDir, sudo } as TestHostFacts,
    ownerPid,
    pids: [],
  };
  await saveState(state);

  try {
    await run('useradd', ['--create-home', '--shell', '/bin/bash', '--comment', USER_COMMENT, user]);
    await run('useradd', ['--create-home', '--shell', '/usr/sbin/nologin', '--comment', USER_COMMENT, workloadUser]);
    // With UsePAM no, a locked account ('!') cannot log in even with a key: '*' means "no password".
    await run('usermod', ['-p', '*', user]);
    if (password !== undefined) await runWithInput('chpasswd', [], `${user}:${password}\n`);
    const uid = Number((await run('id', ['-u', user])).stdout.trim());
    const workloadUid = Number((await run('id', ['-u', workloadUser])).stdout.trim());
    const home = `/home/${user}`;

    const identityFile = join(stateDir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${user}@emberscope-test`, '-f', identityFile]);
    const publicKey = (await readFile(`${identityFile}.pub`, 'utf8')).trim();
    await mkdir(join(home, '.ssh'), { mode: 0o700 });
    await writeFile(join(home, '.ssh', 'authorized_keys'), `${publicKey}\n`, { mode: 0o600 });
    await chown(join(home, '.ssh'), uid, uid);
    await chown(join(home, '.ssh', 'authorized_keys'), uid, uid);

    const hostKey = join(stateDir, 'ssh_host_ed25519_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'emberscope-test-host', '-f', hostKey]);
    const hostPublicKey = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    const hostKeyFingerprint = (await run('ssh-keygen', ['-lf', `${hostKey}.pub`])).stdout.split(' ')[1] ?? '';

    if (sudo !== 'none') {
      const rule = `${user} ALL=(ALL:ALL) ${sudo === 'nopasswd' ? 'NOPASSWD: ' : ''}ALL\n`;
      const file = `/etc/sudoers.d/emberscope-test-${id}`;
      await writeFile(`${file}.tmp`, rule, { mode: 0o440 });
      await run('visudo', ['-cqf', `${file}.tmp`]);
      await run('mv', [`${file}.tmp`, file]);
    }

    const binDir = join(stateDir, 'bin');
    await buildWorkloads(binDir);

    const port = await freePort();
    const config = join(stateDir, 'sshd_config');
    await writeFile(config, sshdConfig({ port, hostKey, stateDir, user, password: wantsPassword, tcpForwarding: options.tcpForwarding === true }));
    const log = join(stateDir, 'sshd.log');
    const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config, '-E', log], { detached: true, stdio: 'ignore' });
    sshd.unref();
    if (sshd.pid === undefined) throw new Error('sshd did not start');
    state.pids.push(sshd.pid);

    Object.assign(state.facts, {
      host: '127.0.0.1', port, uid, home, identityFile, publicKey, password, hostPublicKey, hostKeyFingerprint,
      knownHostsLine: `[127.0.0.1]:${port} ${hostPublicKey}`, workloadUid, binDir, sshdPid: sshd.pid,
    } satisfies Partial<TestHostFacts>);
    await saveState(state);
    await waitForBanner(port, log);
    return state;
  } catch (error) {
    await teardown(state);
    throw error;
  }
}

function sshdConfig(o: { port: number; hostKey: string; stateDir: string; user: string; password: boolean; tcpForwarding: boolean }): string {
  return [
    `Port ${o.port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${o.hostKey}`,
    `PidFile ${join(o.stateDir, 'sshd.pid')}`,
    'UsePAM no',
    'PubkeyAuthentication yes',
    `PasswordAuthentication ${o.password ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowUsers ${o.user}`,
    // A hardened host: Emberscope must work without any forwarding (DESIGN.md, step 7).
    `AllowTcpForwarding ${o.tcpForwarding ? 'yes' : 'no'}`,
    'AllowStreamLocalForwarding no',
    'AllowAgentForwarding no',
    'X11Forwarding no',
    'PermitTunnel no',
    'Subsystem sftp internal-sftp',
    'MaxStartups 50:30:100',
    'MaxSessions 50',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

const workloadSources = join(here, 'workloads');

async function buildWorkloads(binDir: string): Promise<void> {
  await mkdir(binDir, { mode: 0o755 });
  await run('gcc', ['-O0', '-fno-omit-frame-pointer', '-pthread', '-o', join(binDir, 'hot-c'), join(workloadSources, 'hot.c')]);
  const goCache = join(process.env.XDG_CACHE_HOME ?? '/var/cache', 'emberscope-test-go');
  await mkdir(goCache, { recursive: true });
  await copyFile(join(workloadSources, 'hot.go'), join(binDir, 'hot.go'));
  await run('go', ['build', '-o', join(binDir, 'hot-go'), join(binDir, 'hot.go')], {
    env: { ...process.env, GOCACHE: goCache, GOFLAGS: '-buildvcs=false', GO111MODULE: 'off', GOTOOLCHAIN: 'local' },
  });
  await rm(join(binDir, 'hot.go'));
  await chmod(binDir, 0o755);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForBanner(port: number, log: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const banner = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(1000);
      socket.once('data', (data) => { resolve(data.toString()); socket.destroy(); });
      socket.once('error', () => resolve(''));
      socket.once('timeout', () => { resolve(''); socket.destroy(); });
    });
    if (banner.startsWith('SSH-2.0')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const tail = existsSync(log) ? (await readFile(log, 'utf8')).split('\n').slice(-5).join(' | ') : '';
  throw new Error(`the test sshd did not answer on 127.0.0.1:${port} within 10 s: ${tail}`);
}

// ---- teardown ---------------------------------------------------------------------------

async function teardown(state: State): Promise<void> {
  const { id, user, workloadUser, stateDir } = state.facts;
  for (const pid of state.pids) killQuietly(pid);
  // Whatever the users still run (agent, sampler, workloads started over SSH) goes too.
  for (const name of [user, workloadUser]) await run('pkill', ['-KILL', '-u', name]).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 100));
  await removeFileCapabilities(stateDir);
  for (const name of [user, workloadUser]) {
    await run('userdel', ['--remove', '--force', name]).catch(() => undefined);
  }
  await rm(`/etc/sudoers.d/emberscope-test-${id}`, { force: true });
  await rm(`/etc/sudoers.d/emberscope-test-${id}.tmp`, { force: true });
  await rm(stateDir, { recursive: true, force: true });
}

async function removeFileCapabilities(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const { stdout } = await run('getcap', ['-r', dir]).catch(() => ({ stdout: '' }));
  for (const line of stdout.split('\n')) {
    const file = line.split(' ')[0];
    if (file) await run('setcap', ['-r', file]).catch(() => undefined);
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function saveState(state: State): Promise<void> {
  await writeFile(join(state.facts.stateDir, 'state.json'), JSON.stringify(state, null, 2), { mode: 0o600 });
}

async function loadStates(): Promise<State[]> {
  if (!existsSync(STATE_ROOT)) return [];
  const states: State[] = [];
  for (const id of await readdir(STATE_ROOT)) {
    const file = join(STATE_ROOT, id, 'state.json');
    try {
      states.push(JSON.parse(await readFile(file, 'utf8')) as State);
    } catch {
      // A state directory without a readable state: a crash before the first save.
      await rm(join(STATE_ROOT, id), { recursive: true, force: true });
    }
  }
  return states;
}

/** Removes hosts whose owner died (or whose sshd died, for CLI hosts) and orphaned test users. */
export async function removeLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  const live = new Set<string>();
  for (const state of await loadStates()) {
    const ownerGone = state.ownerPid === 0 ? !isAlive(state.facts.sshdPid ?? 0) : !isAlive(state.ownerPid);
    if (ownerGone) {
      await teardown(state);
      removed.push(state.facts.id);
    } else {
      live.add(state.facts.user).add(state.facts.workloadUser);
    }
  }
  const passwd = await readFile('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const [name, , , , comment] = line.split(':');
    if (name && comment === USER_COMMENT && !live.has(name)) {
      await run('pkill', ['-KILL', '-u', name]).catch(() => undefined);
      await run('userdel', ['--remove', '--force', name]).catch(() => undefined);
      removed.push(name);
    }
  }
  return removed;
}

export async function stopHost(id: string): Promise<boolean> {
  const state = (await loadStates()).find((s) => s.facts.id === id);
  if (!state) return false;
  await teardown(state);
  return true;
}

export async function stopAllHosts(): Promise<string[]> {
  const ids: string[] = [];
  for (const state of await loadStates()) {
    await teardown(state);
    ids.push(state.facts.id);
  }
  return ids.concat(await removeLeftovers());
}

function runWithInput(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed: ${stderr.trim()}`))));
    child.stdin.end(input);
  });
}

// ---- CLI --------------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'up') {
    const sudoIndex = rest.indexOf('--sudo');
    const sudo = sudoIndex >= 0 ? rest[sudoIndex + 1] : 'none';
    if (sudo !== 'none' && sudo !== 'nopasswd' && sudo !== 'password') {
      console.error('test-host: --sudo takes none, nopasswd or password');
      return 2;
    }
    await removeLeftovers();
    const state = await createHost(
      { sudo, password: rest.includes('--password'), tcpForwarding: rest.includes('--tcp-forwarding') },
      0,
    );
    console.log(JSON.stringify(state.facts, null, 2));
    return 0;
  }
  if (command === 'down') {
    const target = rest[0];
    if (target === undefined || target === '--all') {
      const ids = await stopAllHosts();
      console.error(`test-host: removed ${ids.length === 0 ? 'nothing' : ids.join(', ')}`);
      return 0;
    }
    if (await stopHost(target)) return 0;
    console.error(`test-host: no test host with id ${target}`);
    return 1;
  }
  console.error('usage: scripts/test-host up [--sudo nopasswd|password] [--password] [--tcp-forwarding] | down [ID|--all]');
  return 2;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.getuid?.() !== 0) {
    console.error('test-host: must run as root (it creates users and starts sshd)');
    process.exit(2);
  }
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`test-host: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
