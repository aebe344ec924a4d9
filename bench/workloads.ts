// Workloads the overhead bench profiles: the C reference workload (scripts/workloads/hot.c, one
// thread per CPU) and a real multi-process one, PostgreSQL under pgbench (a throwaway cluster
// owned by the postgres user in a temporary directory, on a unix socket only, removed after).
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLK_TCK, treeCpu } from './proc';

export interface WorkloadRun {
  /** Units of work done (rounds of hot.c, pgbench transactions). */
  rounds: number;
  /** CPU the workload got (its processes' user + system), NaN where it cannot be told. */
  cpuS: number;
}

export interface Workload {
  readonly name: string;
  run(seconds: number): Promise<WorkloadRun>;
  close(): Promise<void>;
}

/** CPU seconds of this process's children that it has reaped (cutime + cstime). */
export function reapedChildrenCpu(): number {
  const s = readFileSync('/proc/self/stat', 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / CLK_TCK;
}

function runChild(cmd: string, args: readonly string[], opts: { uid?: number; gid?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`))));
  });
}

export function hotC(dir: string, root: string): Workload {
  const bin = join(dir, 'hot-c');
  execFileSync('gcc', ['-O0', '-fno-omit-frame-pointer', '-pthread', '-o', bin, join(root, 'scripts', 'workloads', 'hot.c')]);
  return {
    name: 'C workload',
    run: async (seconds) => {
      const c0 = reapedChildrenCpu();
      const out = await runChild(bin, [String(seconds), '0']);
      const rounds = Number(out.trim());
      if (!Number.isFinite(rounds) || rounds <= 0) throw new Error(`the workload printed ${JSON.stringify(out)}`);
      return { rounds, cpuS: reapedChildrenCpu() - c0 };
    },
    close: async () => undefined,
  };
}

/** The PostgreSQL server binaries of Debian's package, or undefined when not installed. */
function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const f = line?.split(':');
  return f ? { uid: Number(f[2]), gid: Number(f[3]) } : undefined;
}

/** Why pgbench cannot run here, or undefined. */
export function pgbenchMissing(): string | undefined {
  if (!postgresBin()) return 'PostgreSQL server not installed (apt-get install postgresql)';
  if (!postgresUser()) return 'no postgres user';
  try {
    execFileSync('pgbench', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'pgbench not installed';
  }
  return undefined;
}

/**
 * PostgreSQL under pgbench (TPC-B-like, 4 clients on 2 threads, scale 10): a postmaster and one
 * backend per client, so profiles see many processes and real binaries (Debian's postgres has
 * only .dynsym). Throughput is transactions; CPU is the server's process tree and pgbench's.
 */
export async function pgbench(): Promise<Workload> {
  const bin = postgresBin();
  const user = postgresUser();
  if (!bin || !user) throw new Error(pgbenchMissing() ?? 'PostgreSQL is missing');
  const dir = mkdtempSync(join(tmpdir(), 'emberscope-bench-pg-'));
  chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const as = { uid: user.uid, gid: user.gid };
  const conn = ['-h', dir, '-U', 'postgres', 'postgres'];
  let started = false;
  const stop = async (): Promise<void> => {
    if (started) await runChild(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], as).catch(() => undefined);
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await runChild(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync'], as);
    started = true;
    await runChild(join(bin, 'pg_ctl'), ['-D', data, '-w', '-l', join(dir, 'log'), '-o', `-k ${dir} -c listen_addresses= -c fsync=off`, 'start'], as);
    await runChild('pgbench', ['-i', '-q', '-s', '10', ...conn], as);
  } catch (e) {
    await stop();
    throw e;
  }
  const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const serverCpu = (): number => {
    let t = 0;
    for (const v of treeCpu(postmaster).values()) t += v;
    return t;
  };
  return {
    name: 'PostgreSQL under pgbench',
    run: async (seconds) => {
      // Backends come and go with each run: the server tree is read before and after.
      const s0 = serverCpu();
      const c0 = reapedChildrenCpu();
      const out = await runChild('pgbench', ['-n', '-c', '4', '-j', '2', '-T', String(seconds), ...conn], as);
      const m = /number of transactions actually processed: (\d+)/.exec(out);
      if (!m) throw new Error(`pgbench printed no transaction count: ${out.slice(-300)}`);
      // Backends that exit during the run are counted in the postmaster's cutime once reaped.
      return { rounds: Number(m[1]), cpuS: serverCpu() - s0 + reapedChildrenCpu() - c0 };
    },
    close: stop,
  };
}
