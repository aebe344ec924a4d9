// The sampler's own cost on a busy host: the C reference workload (2 threads) keeps every CPU
// busy while emberscope-sampler samples at 99, 999 and 4999 Hz (and 999 Hz with build-id
// frames). Per rate: sampler CPU seconds per wall second (whole run, and steady state after the
// first second), in-kernel ns per sample from kernel.bpf_stats_enabled (restored afterwards),
// peak RSS (VmHWM). Needs root.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SAMPLER, bpfProgramIds, sleep, waitForPrograms } from '../bpf/test/sampler-helpers';
import type { BenchRow } from './stats';

const exec = promisify(execFile);
const STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number((await exec('getconf', ['CLK_TCK'])).stdout.trim());
  return (Number(f[11]) + Number(f[12])) / ticks;
}

async function peakRssKiB(pid: number): Promise<number> {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

async function progStats(id: number): Promise<{ runTimeNs: number; runCnt: number }> {
  const { stdout } = await exec('bpftool', ['prog', 'show', 'id', String(id), '--json']);
  const p = JSON.parse(stdout) as { run_time_ns?: number; run_cnt?: number };
  return { runTimeNs: p.run_time_ns ?? 0, runCnt: p.run_cnt ?? 0 };
}

async function measure(hz: number, seconds: number, extra: string[]): Promise<Record<string, number>> {
  const child = spawn(SAMPLER, ['--hz', String(hz), ...extra], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('cannot start the sampler');
  let bytes = 0;
  child.stdout.on('data', (b: Buffer) => (bytes += b.length));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  try {
    const [id] = await waitForPrograms(pid);
    if (id === undefined) throw new Error('no program');
    const t0 = Date.now();
    await sleep(1000);
    const cpu1 = await cpuSeconds(pid);
    const k1 = await progStats(id);
    await sleep(seconds * 1000 - (Date.now() - t0));
    const wall = (Date.now() - t0) / 1000;
    const cpu = await cpuSeconds(pid);
    const k2 = await progStats(id);
    const rss = await peakRssKiB(pid);
    if ((await bpfProgramIds(pid)).length === 0) throw new Error('sampler detached early');
    return {
      cpuPerWallSecond: cpu / wall,
      steadyCpuPerWallSecond: (cpu - cpu1) / (wall - 1),
      kernelNsPerSample: (k2.runTimeNs - k1.runTimeNs) / Math.max(1, k2.runCnt - k1.runCnt),
      kernelCpuPerWallSecond: (k2.runTimeNs - k1.runTimeNs) / 1e9 / (wall - 1),
      samplesPerSecond: (k2.runCnt - k1.runCnt) / (wall - 1),
      peakRssMiB: rss / 1024,
      outputKiBPerSecond: bytes / 1024 / wall,
    };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export async function run({ quick }: { quick: boolean }): Promise<{ rows: BenchRow[]; runs: Record<string, Record<string, number>> }> {
  const seconds = quick ? 3 : 30;
  const dir = await mkdtemp(join(tmpdir(), 'emberscope-sampler-bench-'));
  const statsBefore = (await readFile(STATS_SYSCTL, 'utf8')).trim();
  const hot = join(dir, 'hot-c');
  await exec('gcc', ['-O0', '-fno-omit-frame-pointer', '-pthread', '-o', hot, join('scripts', 'workloads', 'hot.c')]);
  const workload = spawn(hot, ['0', '2'], { stdio: 'ignore' });
  const runs: Record<string, Record<string, number>> = {};
  const rates = quick
    ? ([['99 Hz', 99, []], ['999 Hz', 999, []]] as const)
    : ([['99 Hz', 99, []], ['999 Hz', 999, []], ['4999 Hz', 4999, []], ['999 Hz with build-id frames', 999, ['--build-id']]] as const);
  try {
    await writeFile(STATS_SYSCTL, '1');
    for (const [name, hz, extra] of rates) runs[name] = await measure(hz, seconds, [...extra]);
  } finally {
    await writeFile(STATS_SYSCTL, statsBefore);
    workload.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
  // One run per rate (the overhead benchmark repeats the sampler inside the agent).
  const rows: BenchRow[] = [];
  for (const [name, r] of Object.entries(runs)) {
    rows.push({ name: `${name}: sampler process CPU (steady)`, median: (r['steadyCpuPerWallSecond'] ?? 0) * 100, n: 1, unit: '% of one CPU' });
    rows.push({ name: `${name}: in-kernel BPF program CPU`, median: (r['kernelCpuPerWallSecond'] ?? 0) * 100, n: 1, unit: '% of one CPU' });
    rows.push({ name: `${name}: in-kernel cost per sample`, median: (r['kernelNsPerSample'] ?? 0) / 1000, n: 1, unit: 'µs' });
    rows.push({ name: `${name}: samples per second (2 CPUs)`, median: r['samplesPerSecond'] ?? 0, n: 1, unit: '1/s' });
    rows.push({ name: `${name}: sampler output to the agent`, median: r['outputKiBPerSecond'] ?? 0, n: 1, unit: 'KiB/s' });
    rows.push({ name: `${name}: sampler peak RSS`, median: r['peakRssMiB'] ?? 0, n: 1, unit: 'MiB' });
  }
  return { rows, runs };
}
