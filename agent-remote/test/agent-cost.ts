// Measures the host agent's own cost during a whole-system capture (issue 9 target: sampler +
// agent ≤ 1% of one CPU at 99 Hz, ≤ 2% at 999 Hz), with the C reference workload keeping both
// CPUs busy. Not a test: run as root, after `npm run build`:
//   [AGENT=path/agent.cjs] [SAMPLER=path] npx tsx agent-remote/test/agent-cost.ts [hz=99] [seconds=20] [runs=3] [--cpu-prof DIR] [--churn]
// Prints, per run, CPU seconds per wall second of the agent and of the sampler (from
// /proc/PID/stat, after the capture started, so start-up is reported apart) and the agent's
// VmHWM; then the medians. The script itself (and its tsx parent) are excluded from the capture. --churn adds a loop spawning short-lived (50 ms) workload processes
// and reports the fraction of their samples whose user leaf frame was symbolized.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameStatus, type CaptureEvent, type Frame } from '../../core/protocol/generated/emberscope.generated';
import { connectAgent, spawnLocalAgent } from '../../electron/agent-client';
import { repoRoot } from './helpers';

const TICKS = 100; // USER_HZ

function cpuTicks(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function hwmKb(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return Number(m?.[1] ?? 0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? (s[(n - 1) >> 1] ?? NaN) : ((s[n / 2 - 1] ?? 0) + (s[n / 2] ?? 0)) / 2;
}

interface Run {
  agent: number;
  /** The agent after the first 5 s of the capture (binaries and kernel symbols loaded). */
  steady: number;
  /** New distinct stacks and frames per second after the first 5 s: the work other processes bring. */
  newStacksPerS: number;
  newFramesPerS: number;
  sampler: number;
  startupCpuS: number;
  hwmMb: number;
  churnSym?: number;
}

async function once(hz: number, seconds: number, hot: string, cpuProf: string | undefined, churn: boolean): Promise<Run> {
  const agentPath = process.env['AGENT'] ?? join(repoRoot, 'dist', 'agent', 'agent.cjs');
  const t0 = Date.now();
  const client = await connectAgent(
    spawnLocalAgent({
      agentPath,
      nodeArgs: cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [],
      env: { EMBERSCOPE_SAMPLER: process.env['SAMPLER'] ?? join(repoRoot, 'assets', 'linux-x86_64', 'emberscope-sampler') },
    }),
  );
  let agentPid = 0;
  let samplerPid = 0;
  let a0 = 0;
  let s0 = 0;
  let w0 = 0;
  let a1 = 0;
  let s1 = 0;
  let w1 = 0;
  let hwm = 0;
  let startup = 0;
  let poll: NodeJS.Timeout | undefined;
  let aSteady = -1;
  let newStacks = 0;
  let newFrames = 0;
  let wSteady = 0;
  const frames = new Map<number, Frame>();
  const stacks = new Map<number, number[]>();
  const churnPids = new Set<number>();
  const churnLeaf = new Map<number, number>();
  let churnTotal = 0;
  let churnOk = 0;
  let stopChurn = false;
  const churner = churn
    ? (async () => {
        while (!stopChurn) {
          const c = spawn(hot, ['0', '1'], { stdio: 'ignore' });
          if (c.pid) churnPids.add(c.pid);
          const t = setTimeout(() => c.kill('SIGKILL'), 50);
          await new Promise((r) => c.on('exit', r));
          clearTimeout(t);
          await new Promise((r) => setTimeout(r, 20));
        }
      })()
    : undefined;
  // This script (node, busy decoding the deltas) is not part of a host's load: leave it and its
  // tsx parent out, as the desktop app is not on a remote host.
  const stream = client.startCapture({ hz, seconds, target: { kind: 'all' }, excludePids: [process.pid, process.ppid] });
  for await (const e of stream as AsyncIterable<CaptureEvent>) {
    const ev = e.event;
    if (ev?.$case === 'started') {
      agentPid = ev.value.agent?.pid ?? 0;
      samplerPid = ev.value.sampler?.pid ?? 0;
      startup = cpuTicks(agentPid) / TICKS;
      a0 = cpuTicks(agentPid);
      s0 = cpuTicks(samplerPid);
      w0 = Date.now();
      poll = setInterval(() => {
        try {
          if (aSteady < 0 && Date.now() - w0 >= 5000) {
            aSteady = cpuTicks(agentPid);
            wSteady = Date.now();
          }
          a1 = cpuTicks(agentPid);
          w1 = Date.now();
          hwm = hwmKb(agentPid);
          s1 = cpuTicks(samplerPid);
        } catch (e) {
          if (process.env['DEBUG']) console.error(e);
        }
      }, 100);
    } else if (ev?.$case === 'ended') {
      clearInterval(poll);
      a1 = cpuTicks(agentPid);
      w1 = Date.now();
      hwm = hwmKb(agentPid);
    } else if (ev?.$case === 'delta') {
      if (aSteady >= 0) {
        newStacks += ev.value.stacks.length;
        newFrames += ev.value.frames.length;
      }
      for (const f of ev.value.frames) frames.set(f.id, f);
      for (const s of ev.value.stacks) stacks.set(s.id, s.frameIds);
      for (const c of ev.value.counts) {
        if (!churnPids.has(c.pid)) continue;
        const leafId = stacks.get(c.stackId)?.find((id) => frames.get(id)?.kind !== 2 /* kernel */);
        const leaf = leafId !== undefined ? frames.get(leafId) : undefined;
        churnTotal += c.count;
        if (leaf?.status === FrameStatus.FRAME_STATUS_SYMBOLIZED) churnOk += c.count;
        else if (process.env['DEBUG']) console.error('unsymbolized short-lived leaf', leaf?.name, leaf?.status, c.comm);
        churnLeaf.set(c.pid, (churnLeaf.get(c.pid) ?? 0) + c.count);
      }
    }
  }
  stopChurn = true;
  await churner;
  await client.close();
  void t0;
  const wall = (w1 - w0) / 1000;
  return {
    agent: (a1 - a0) / TICKS / wall,
    steady: aSteady >= 0 ? (a1 - aSteady) / TICKS / ((w1 - wSteady) / 1000) : NaN,
    newStacksPerS: newStacks / Math.max(0.001, (w1 - wSteady) / 1000),
    newFramesPerS: newFrames / Math.max(0.001, (w1 - wSteady) / 1000),
    sampler: (s1 - s0) / TICKS / wall,
    startupCpuS: startup,
    hwmMb: hwm / 1024,
    churnSym: churn ? churnOk / Math.max(1, churnTotal) : undefined,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flags = new Set(args.filter((a) => a.startsWith('--')));
  const pi = args.indexOf('--cpu-prof');
  const cpuProf = pi >= 0 ? args[pi + 1] : undefined;
  const pos = args.filter((a, i) => !a.startsWith('--') && !(pi >= 0 && i === pi + 1));
  const hz = Number(pos[0] ?? 99);
  const seconds = Number(pos[1] ?? 20);
  const runs = Number(pos[2] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'emberscope-cost-'));
  const hot = join(dir, 'hot-c');
  execFileSync('gcc', ['-O0', '-g', '-fno-omit-frame-pointer', '-pthread', '-o', hot, join(repoRoot, 'scripts', 'workloads', 'hot.c')]);
  const load: ChildProcess = spawn(hot, ['0', '0'], { stdio: 'ignore' });
  const results: Run[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const r = await once(hz, seconds, hot, cpuProf, flags.has('--churn'));
      results.push(r);
      console.log(
        `run ${i + 1}: hz ${hz} agent ${(r.agent * 100).toFixed(2)}% (after 5 s: ${(r.steady * 100).toFixed(2)}%) sampler ${(r.sampler * 100).toFixed(2)}% startup ${r.startupCpuS.toFixed(2)} CPU s agent VmHWM ${r.hwmMb.toFixed(1)} MB; after 5 s ${r.newStacksPerS.toFixed(0)} new stacks/s, ${r.newFramesPerS.toFixed(0)} new frames/s` +
          (r.churnSym !== undefined ? ` short-lived symbolized ${(r.churnSym * 100).toFixed(1)}%` : ''),
      );
    }
  } finally {
    load.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  const m = (f: (r: Run) => number): number => median(results.map(f));
  console.log(
    `median: hz ${hz} agent ${(m((r) => r.agent) * 100).toFixed(2)}% (after 5 s: ${(m((r) => r.steady) * 100).toFixed(2)}%) sampler ${(m((r) => r.sampler) * 100).toFixed(2)}% sum ${(m((r) => r.agent + r.sampler) * 100).toFixed(2)}% startup ${m((r) => r.startupCpuS).toFixed(2)} CPU s VmHWM ${m((r) => r.hwmMb).toFixed(1)} MB` +
      (flags.has('--churn') ? ` short-lived symbolized ${(m((r) => r.churnSym ?? 0) * 100).toFixed(1)}%` : ''),
  );
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
