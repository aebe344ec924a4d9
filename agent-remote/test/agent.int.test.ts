// The agent against the real sampler (assets/linux-x86_64/emberscope-sampler), real BPF:
//  - through the test host: SSH exec channel as an unprivileged user, sampler with file caps
//    cap_bpf,cap_perfmon=ep (copied to a private directory, removed afterwards);
//  - under plain node as root, the sampler through setpriv (ambient caps, non-root uid).
// Run: npx vitest run --project integration agent-remote/
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../scripts/test-host';
import { programsOf } from '../../test/fault-drills-host';
import { FrameKind, FrameStatus, type CaptureEvent } from '../../core/protocol/generated/emberscope.generated';
import type { CaptureOptionsInput } from '../../core/protocol/options';
import { connectAgent, spawnLocalAgent, sshAgentStream, type AgentClient } from '../../electron/agent-client';
import { CaptureLog, share } from './capture-analysis';
import { agentDir, COMMITTED_SAMPLER, installSampler, removeCaps, sshConnect } from './install';
import { postureToEvidence } from '../../core/protocol/posture';
import { evaluatePosture } from '../../core/warnings/evaluate';

const haveSampler = existsSync(COMMITTED_SAMPLER);
const C_LEAVES = ['spin_parse_request', 'spin_compress_block', 'spin_verify_session_token'];
const GO_LEAVES = ['main.hotParse', 'main.hotCompress', 'main.hotVerifyToken'];
const DESIGN = [0.5, 0.3, 0.2];

let host: TestHost;
let dir: string;
let sampler: string;
/** The same sampler installed as the kernel-symbols opt-in does: cap_syslog added. */
let samplerSyslog: string;
let agentPath: string;
const extra: ChildProcess[] = [];

/** Ids of the BPF programs loaded now. */
function bpfProgramIds(): Set<number> {
  try {
    const list = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as { id: number }[];
    return new Set(list.map((p) => p.id));
  } catch {
    return new Set();
  }
}


/** Every program id one of our samplers held: none may remain loaded at the end. */
const ourPrograms = new Set<number>();

async function capture(client: AgentClient, options: CaptureOptionsInput): Promise<CaptureLog> {
  const log = new CaptureLog();
  for await (const e of client.startCapture(options) as AsyncIterable<CaptureEvent>) log.add(e);
  return log;
}

/**
 * At least 95% of the workload's samples at the right leaf, in the design's proportions (±10
 * points). Samples whose user stack the sampler lost (counted in its STATS as lost_user_stack,
 * shown as '[user stack lost]') are not symbolization failures and are left out; they must
 * stay a small minority.
 */
function expectDesign(log: CaptureLog, pid: number, names: readonly string[]): void {
  const leaves = log.userLeaves(pid);
  const lost = leaves.get('[user stack lost]') ?? 0;
  leaves.delete('[user stack lost]');
  const s = share(leaves, names);
  const detail = JSON.stringify([...log.userLeaves(pid)].sort((a, b) => b[1] - a[1]).slice(0, 8));
  expect(lost / (s.total + lost), detail).toBeLessThan(0.2);
  console.log(`leaves of pid ${pid}: ${(s.hit * 100).toFixed(1)}% of ${s.total} samples at ${names.join('/')}, split ${s.parts.map((p) => (p * 100).toFixed(1)).join(' : ')}; ${lost} with lost user stacks`);
  expect(s.total, detail).toBeGreaterThan(100);
  expect(s.hit, detail).toBeGreaterThanOrEqual(0.95);
  s.parts.forEach((p, i) => expect(Math.abs(p - (DESIGN[i] ?? 0)), detail).toBeLessThanOrEqual(0.1));
}

beforeAll(async () => {
  if (!haveSampler) return;
  host = await startTestHost();
  ({ dir, agentPath } = agentDir('emberscope-agent-int-'));
  // Installed like host setup does: root-owned, group of the SSH user, 0750, file caps.
  sampler = installSampler(dir, 'emberscope-sampler', host.facts.uid, 'cap_bpf,cap_perfmon');
  samplerSyslog = installSampler(dir, 'emberscope-sampler-syslog', host.facts.uid, 'cap_bpf,cap_perfmon,cap_syslog');
}, 300_000);

afterAll(async () => {
  for (const c of extra) if (c.exitCode === null) c.kill('SIGKILL');
  removeCaps(sampler);
  removeCaps(samplerSyslog);
  if (dir) rmSync(dir, { recursive: true, force: true });
  await host?.stop();
  const loaded = bpfProgramIds();
  expect([...ourPrograms].filter((id) => loaded.has(id))).toEqual([]);
}, 120_000);

describe.skipIf(!haveSampler)('agent through the test host (SSH exec channel, unprivileged user)', () => {
  let conn: Client;
  let client: AgentClient;
  const logs: string[] = [];

  beforeAll(async () => {
    conn = await sshConnect(host.facts);
    client = await connectAgent(sshAgentStream(conn, { command: `exec ${process.execPath} ${agentPath}`, onLog: (l) => logs.push(l) }));
  });
  afterAll(async () => {
    await client?.close();
    conn?.end();
  });

  it('Hello and Posture', async () => {
    const h = await client.hello();
    expect(h.host?.user).toBe(host.facts.user);
    expect(h.host?.uid).toBe(host.facts.uid);
    const p = await client.posture({ samplerPath: sampler });
    expect(p.sshUserIsRoot).toBe(false);
    expect(p.samplerFile).toMatchObject({ exists: true, uid: 0, gid: host.facts.uid, mode: 0o750, callerCanExecute: true, hasFileCaps: true, fileCapsEffective: true });
    expect([...(p.samplerFile?.fileCapsPermitted ?? [])].sort()).toEqual(['cap_bpf', 'cap_perfmon']);
    expect(p.agent?.caps?.effective).toBe('0000000000000000');
    expect(p.kernel?.kallsymsReadable).toBe(false);
    expect(p.mounts.find((m) => m.role === 'sampler')?.nosuid).toBe(false);
  });

  it('C workload: at least 95% of its samples at the right leaf, 50:30:20; agent holds no capabilities; kernel frames marked hidden', async () => {
    const w = await host.startWorkload('c', { seconds: 0, threads: 2 });
    try {
      const log = await capture(client, { hz: 199, seconds: 3, sampler: { path: sampler }, target: { kind: 'pids', pids: [w.pid] } });
      expect(log.started?.agent?.caps?.effective).toBe('0000000000000000');
      expect(log.started?.agent?.caps?.permitted).toBe('0000000000000000');
      const samplerCaps = log.started?.samplerProcess?.caps?.effectiveNames ?? [];
      expect(samplerCaps.every((c) => c === 'cap_bpf' || c === 'cap_perfmon')).toBe(true);
      expect(log.ended?.error).toBeUndefined();
      expectDesign(log, w.pid, C_LEAVES);
      expect(log.kernelFrames().every((f) => f.status === FrameStatus.FRAME_STATUS_KERNEL_HIDDEN)).toBe(true);
    } finally {
      await w.stop();
    }
  });

  it('kernel symbols for the unprivileged user: opted in, the sampler (CAP_SYSLOG) sends them and kernel frames resolve; not opted in, they stay hidden and kernel-symbols is raised', async () => {
    const w = await host.startWorkload('c', { seconds: 0, threads: 1 });
    // dd lives in read/write system calls: the captures surely hold kernel stacks.
    const uid = String(host.facts.workloadUid);
    const dd = spawn('setpriv', ['--reuid', uid, '--regid', uid, '--init-groups', '--', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=4k'], { stdio: 'ignore' });
    extra.push(dd);
    await host.remember(dd.pid ?? 0);
    const target = { kind: 'pids' as const, pids: [w.pid, dd.pid ?? 0] };
    try {
      // Not opted in: the sampler has no CAP_SYSLOG, the agent none at all.
      const hidden = await capture(client, { hz: 199, seconds: 2, kernelSymbols: false, sampler: { path: sampler }, target });
      expect(hidden.ended?.error).toBeUndefined();
      const hk = hidden.kernelFrames();
      expect(hk.length).toBeGreaterThan(0);
      expect(hk.every((f) => f.status === FrameStatus.FRAME_STATUS_KERNEL_HIDDEN)).toBe(true);
      const p1 = await client.posture({ samplerPath: sampler });
      expect(p1.kernelFramesHidden).toBeGreaterThan(0);
      expect(evaluatePosture(postureToEvidence(p1, { capSyslogOptIn: false })).map((x) => x.id)).toContain('kernel-symbols');

      // Opted in: the sampler holds CAP_SYSLOG at start, reads kallsyms, drops it before sampling.
      const log = await capture(client, { hz: 199, seconds: 2, kernelSymbols: true, sampler: { path: samplerSyslog }, target });
      expect(log.ended?.error).toBeUndefined();
      expect(log.started?.agent?.caps?.effective).toBe('0000000000000000');
      expect(log.started?.samplerProcess?.caps?.effectiveNames ?? []).not.toContain('cap_syslog');
      const kernel = log.kernelFrames();
      expect(kernel.length).toBeGreaterThan(0);
      const resolved = kernel.filter((f) => f.status === FrameStatus.FRAME_STATUS_SYMBOLIZED);
      expect(resolved.length / kernel.length).toBeGreaterThan(0.9);
      expect(resolved.some((f) => /read|write|zero|entry_SYSCALL|syscall/.test(f.name))).toBe(true);
      expectDesign(log, w.pid, C_LEAVES);
      const p2 = await client.posture({ samplerPath: samplerSyslog });
      expect(p2.kernelFramesHidden).toBe(0);
      expect(postureToEvidence(p2, { capSyslogOptIn: true }).kernelSymbolsResolvable).toBe(true);
      expect(evaluatePosture(postureToEvidence(p2, { capSyslogOptIn: true })).map((x) => x.id)).not.toContain('kernel-symbols');
    } finally {
      dd.kill('SIGKILL');
      await w.stop();
    }
  });

  it('Go workload: at least 95% at the right leaf through the pclntab', async () => {
    const w = await host.startWorkload('go', { seconds: 0, threads: 2 });
    try {
      const log = await capture(client, { hz: 199, seconds: 3, sampler: { path: sampler }, target: { kind: 'pids', pids: [w.pid] } });
      expectDesign(log, w.pid, GO_LEAVES);
    } finally {
      await w.stop();
    }
  });

  it('C workload with build-id frames (BPF_F_USER_BUILD_ID)', async () => {
    const w = await host.startWorkload('c', { seconds: 0, threads: 2 });
    try {
      const log = await capture(client, { hz: 199, seconds: 3, buildIdFrames: true, sampler: { path: sampler }, target: { kind: 'pids', pids: [w.pid] } });
      expect(log.started?.sampler?.buildIdFrames).toBe(true);
      expectDesign(log, w.pid, C_LEAVES);
      expect([...log.frames.values()].some((f) => f.name === 'spin_parse_request' && f.buildId.length === 40)).toBe(true);
    } finally {
      await w.stop();
    }
  });

  it('a process that exits mid-capture is still symbolized', async () => {
    const w = await host.startWorkload('c', { seconds: 2, threads: 1 });
    const log = await capture(client, { hz: 199, seconds: 4, sampler: { path: sampler } });
    await w.exited;
    const s = share(log.userLeaves(w.pid), C_LEAVES);
    expect(s.total).toBeGreaterThan(50);
    expect(s.hit).toBeGreaterThanOrEqual(0.95);
  });

  it('short-lived processes (50 ms each) in a whole-system capture: their maps are read at first sight, their samples symbolized', async () => {
    const uid = String(host.facts.workloadUid);
    const hot = join(host.facts.binDir, 'hot-c');
    const pids = new Set<number>();
    let stop = false;
    const churn = (async () => {
      while (!stop) {
        const c = spawn('setpriv', ['--reuid', uid, '--regid', uid, '--init-groups', '--', hot, '0', '1'], { stdio: 'ignore' });
        extra.push(c);
        if (c.pid) pids.add(c.pid);
        const t = setTimeout(() => c.kill('SIGKILL'), 50);
        await new Promise((r) => c.on('exit', r));
        clearTimeout(t);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let log: CaptureLog;
    try {
      log = await capture(client, { hz: 199, seconds: 4, sampler: { path: sampler } });
    } finally {
      stop = true;
      await churn;
    }
    expect(log.ended?.error).toBeUndefined();
    // Samples of the workload image (comm hot-c; the few taken in the spawning child before its
    // exec are not the workload's) whose first user frame resolved to a function.
    let total = 0;
    let symbolized = 0;
    for (const smp of log.samples) {
      if (!pids.has(smp.pid) || smp.comm !== 'hot-c') continue;
      const leaf = log.stackFrames(smp.stackId).find((f) => f.kind !== FrameKind.FRAME_KIND_KERNEL);
      if (!leaf) continue;
      total += smp.count;
      if (leaf.status === FrameStatus.FRAME_STATUS_SYMBOLIZED) symbolized += smp.count;
    }
    console.log(`short-lived: ${pids.size} processes, ${total} samples with a user frame, ${((100 * symbolized) / Math.max(1, total)).toFixed(1)}% symbolized`);
    expect(total).toBeGreaterThan(20);
    expect(symbolized / total).toBeGreaterThan(0.7);
  });

  it('JIT frames of a node process with --perf-basic-prof', async () => {
    const script = 'function hotLoopForPerfMap(n){let x=0;for(let i=0;i<n;i++)x=(x*31+i)|0;return x} for(;;) hotLoopForPerfMap(100000);';
    const child = spawn('setpriv', ['--reuid', String(host.facts.workloadUid), '--regid', String(host.facts.workloadUid), '--init-groups', '--', process.execPath, '--perf-basic-prof', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'], cwd: '/' });
    extra.push(child);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    await host.remember(child.pid ?? 0);
    // setpriv execs node: same pid.
    const pid = child.pid ?? 0;
    // Capture once V8 has optimized the hot function (`*` marks optimized code in perf-map
    // names): before that it runs in the interpreter, whose frames are not the function's.
    const optimized = Date.now() + 20_000;
    const mapFile = `/tmp/perf-${pid}.map`;
    while (Date.now() < optimized && !(existsSync(mapFile) && readFileSync(mapFile, 'utf8').includes('*hotLoopForPerfMap'))) {
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      const log = await capture(client, { hz: 199, seconds: 3, sampler: { path: sampler }, target: { kind: 'pids', pids: [pid] } });
      let jit = 0;
      for (const s of log.samples) if (s.pid === pid && log.stackFrames(s.stackId).some((f) => f.status === FrameStatus.FRAME_STATUS_JIT && f.name.includes('hotLoopForPerfMap'))) jit += s.count;
      const detail = `node exit ${child.exitCode} ${stderr.slice(0, 500)}; pids ${[...new Set(log.samples.map((x) => x.pid))].join(',')}`;
      expect(log.total(pid), detail).toBeGreaterThan(100);
      expect(jit / log.total(pid), detail).toBeGreaterThan(0.5);
    } finally {
      child.kill('SIGKILL');
      rmSync(`/tmp/perf-${pid}.map`, { force: true });
    }
  });

  it('StopCapture ends an open-ended capture; nothing is left loaded', async () => {
    const stream = client.startCapture({ hz: 99, sampler: { path: sampler } });
    const log = new CaptureLog();
    const done = (async () => {
      for await (const e of stream) log.add(e);
    })();
    const started = await stream.started;
    await new Promise((r) => setTimeout(r, 1500));
    const progs = programsOf(started.sampler?.pid ?? 0);
    expect(progs.length).toBeGreaterThan(0);
    for (const id of progs) ourPrograms.add(id);
    expect(progs.every((id) => bpfProgramIds().has(id))).toBe(true);
    expect((await client.stopCapture(started.captureId)).stopped).toBe(true);
    await done;
    expect(log.ended).toBeDefined();
    await new Promise((r) => setTimeout(r, 500));
    const loaded = bpfProgramIds();
    expect(progs.filter((id) => loaded.has(id))).toEqual([]);
  });
});

describe.skipIf(!haveSampler)('agent under plain node (root; sampler through setpriv with ambient caps)', () => {
  let client: AgentClient;
  beforeAll(async () => {
    client = await connectAgent(spawnLocalAgent({ agentPath }));
  });
  afterAll(async () => {
    await client?.close();
  });

  it('Hello, Posture, and a C capture with kernel symbols (CAP_SYSLOG opted in)', async () => {
    const h = await client.hello();
    expect(h.host?.uid).toBe(0);
    const p = await client.posture({ samplerPath: sampler });
    expect(p.sshUserIsRoot).toBe(true);
    expect(p.kernel?.kallsymsReadable).toBe(true);
    const w = await host.startWorkload('c', { seconds: 0, threads: 2 });
    // The C workload hardly enters the kernel; dd lives in read/write system calls, so the
    // capture surely holds kernel stacks to symbolize.
    const uid = String(host.facts.workloadUid);
    const dd = spawn('setpriv', ['--reuid', uid, '--regid', uid, '--init-groups', '--', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=4k'], { stdio: 'ignore' });
    extra.push(dd);
    await host.remember(dd.pid ?? 0);
    try {
      const log = await capture(client, {
        hz: 199,
        seconds: 3,
        kernelSymbols: true,
        target: { kind: 'pids', pids: [w.pid, dd.pid ?? 0] },
        sampler: { path: sampler, useSetpriv: true, setprivUid: host.facts.uid, setprivGid: host.facts.uid },
      });
      expect(log.ended?.error).toBeUndefined();
      expect(log.started?.samplerProcess?.uid).toBe(host.facts.uid);
      expectDesign(log, w.pid, C_LEAVES);
      const kernel = log.kernelFrames();
      expect(kernel.length).toBeGreaterThan(0);
      const resolved = kernel.filter((f) => f.status === FrameStatus.FRAME_STATUS_SYMBOLIZED);
      expect(resolved.length / kernel.length).toBeGreaterThan(0.9);
      expect(kernel.every((f) => f.kind === FrameKind.FRAME_KIND_KERNEL)).toBe(true);
    } finally {
      dd.kill('SIGKILL');
      await w.stop();
    }
  });
});
