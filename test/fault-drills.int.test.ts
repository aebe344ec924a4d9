// Fault drills on the real test host (issue 8): the real services (createServices), real sshd
// test hosts, the real agent bundle and the real sampler (assets/), installed by the real setup
// (sudo). Each drill breaks one thing in the middle of a capture or between captures and checks
// that (1) the error is one line with a stable code, (2) nothing is left on the host (agent,
// sampler, BPF programs, half-uploaded files), (3) what the app received is kept, and (4) the
// next capture works. The soak (slow, runs in CI) captures at 999 Hz for
// EMBERSCOPE_SOAK_SECONDS (default 600) with both CPUs busy.
import { existsSync } from 'node:fs';
import { connect as connectTcp, createServer, type Socket } from 'node:net';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost, type Workload } from '../scripts/test-host';
import { createServices, type ServicesInternals } from '../electron/services';
import type { HostSession } from '../electron/services/session';
import type { CaptureHandle, CaptureOptions, CaptureProgress, CaptureResult } from '../electron/services/types';
import { makeFixtureDist, REPO, type FixtureDist } from '../electron/services/test/fixture-dist';
import { scriptedPrompts } from '../electron/services/test/helpers';
import type { Profile } from '../core/profile';
import { emberProcessesOf, hostClean, isAgent, isSampler, processesOf, rssOf, run, runningSampler, sshdServing, waitFor } from './fault-drills-host';

const SAMPLER = join(REPO, 'assets', 'linux-x86_64', 'emberscope-sampler');
/** The issue's bound: within 3 s of a cut nothing of the capture remains on the host. */
const CLEANUP_BOUND_MS = 3000;
const VERSION = '0.0.0-drills';
const SOAK_SECONDS = Number(process.env['EMBERSCOPE_SOAK_SECONDS'] ?? '600');
const C_LEAVES = ['spin_parse_request', 'spin_compress_block', 'spin_verify_session_token'];
const GO_LEAVES = ['main.hotParse', 'main.hotCompress', 'main.hotVerifyToken'];

let a: TestHost;
let b: TestHost;
let dir: string;
let dist: FixtureDist;
let services: ServicesInternals;

const connect = async (h: TestHost): Promise<HostSession> =>
  (await services.connect(`${h.facts.user}@127.0.0.1:${h.facts.port}`, scriptedPrompts(), {
    identityFile: h.facts.identityFile,
    unknownHostKey: 'accept-new',
  })) as HostSession;

const opts = (o: Partial<CaptureOptions> = {}): CaptureOptions => ({ hz: 199, seconds: 0, target: { kind: 'all' }, strict: false, ...o });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts a capture and waits for its first delta with samples. */
async function startAndWarm(session: HostSession, o: CaptureOptions, progress: CaptureProgress[] = []): Promise<CaptureHandle> {
  const handle = await services.capture.start(session, o, (p) => progress.push(p));
  await waitFor('the first samples', () => handle.profile().meta.sampleCount > 0, 20_000);
  return handle;
}

/** A short capture that must work (the "next capture works" of every drill). */
async function captureWorks(session: HostSession, workload: Workload): Promise<CaptureResult> {
  const handle = await startAndWarm(session, opts({ target: { kind: 'pid', pid: workload.pid } }));
  await sleep(1200);
  const result = await handle.stop();
  expect(result.reason).toBe('stopped');
  expect(result.error).toBeNull();
  expect(result.summary.interrupted).toBe(false);
  expect(result.summary.samples).toBeGreaterThan(0);
  // Every interval the sampler reported arrived.
  expect(result.samplerTotal).toBe(handle.profile().meta.reportedSamples);
  return result;
}

/** One line with a stable code, in plain words (no stack, no raw gRPC status). */
function expectCleanError(e: unknown, codes: readonly string[]): { code: string; message: string } {
  const err = e as { code?: unknown; message?: unknown };
  expect(typeof err.code).toBe('string');
  expect(codes).toContain(err.code);
  const message = String(err.message);
  expect(message).not.toMatch(/\n/);
  expect(message.length).toBeGreaterThan(10);
  expect(message.length).toBeLessThan(400);
  expect(message).not.toMatch(/^\w*Error:|\bat \S+ \(|\b\d+ (UNAVAILABLE|CANCELLED|INTERNAL|UNKNOWN)\b/);
  return { code: String(err.code), message };
}

const pidsIn = (p: Profile): Set<number> => new Set(p.samples.map((s) => s.pid));
const leafNames = (p: Profile): Map<string, number> => {
  const out = new Map<string, number>();
  for (const s of p.samples) {
    const frames = p.stacks[s.stack] ?? [];
    // Stacks are leaf-first: the first frame that is not a kernel frame is the user leaf.
    const leaf = frames.map((f) => p.frames[f]).find((f) => f?.kind !== 'kernel');
    const name = leaf?.name ?? '?';
    out.set(name, (out.get(name) ?? 0) + s.count);
  }
  return out;
};

beforeAll(async () => {
  if (!existsSync(SAMPLER)) throw new Error(`the real sampler is missing (${SAMPLER}): npm run build:bpf`);
  dir = await mkdtemp(join(tmpdir(), 'emberscope-drills-'));
  dist = await makeFixtureDist({ sampler: SAMPLER, version: VERSION });
  [a, b] = await Promise.all([startTestHost({ sudo: 'nopasswd' }), startTestHost({ sudo: 'nopasswd' })]);
  services = createServices({ dataDir: join(dir, 'data'), distDir: dist.dir, userKnownHosts: [], keychainService: 'emberscope-test' });
  for (const h of [a, b]) {
    const s = await connect(h);
    const r = await s.runSetup({ kernelSymbols: false, allowSysAdmin: false });
    if (!r.ok) throw new Error(r.report.join('\n'));
    await s.close();
  }
}, 300_000);

afterAll(async () => {
  try {
    if (a && existsSync('/usr/local/libexec/emberscope')) {
      const s = await connect(a);
      await s.uninstall();
      await s.close();
    }
  } finally {
    await services?.close();
    for (const h of [a, b]) {
      if (!h) continue;
      const cache = join(h.facts.home, '.cache', 'emberscope');
      await run('umount', ['-l', cache]).catch(() => undefined);
    }
    if (existsSync(`/usr/local/libexec/emberscope/${VERSION}`)) {
      await rm('/usr/local/libexec/emberscope', { recursive: true, force: true });
      await run('groupdel', ['emberscope']).catch(() => undefined);
    }
    await a?.stop();
    await b?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (dist) await rm(dist.dir, { recursive: true, force: true });
  }
});

describe('fault drills', () => {
  /**
   * One SSH cut in the middle of a capture: `cut` breaks the connection `session` uses; then
   * the host must be clean within 3 s, the app must keep and save what it received as
   * interrupted, and a new connection must capture again.
   */
  async function sshCutDrill(what: string, session: HostSession, cut: () => Promise<void>, boundMs = CLEANUP_BOUND_MS): Promise<void> {
    const workload = await a.startWorkload('c', { threads: 1 });
    try {
      const progress: CaptureProgress[] = [];
      const handle = await startAndWarm(session, opts({ hz: 499, target: { kind: 'pid', pid: workload.pid } }), progress);
      await sleep(1500);
      const running = await runningSampler(a.facts.user);
      expect(running.agent).toBeDefined();
      const before = handle.profile().meta.sampleCount;
      expect(before).toBeGreaterThan(0);
      const t0 = Date.now();
      await cut();
      const detail: { processesGoneMs?: number } = {};
      const cleanMs = await hostClean(a.facts.user, running.programs, boundMs + 10_000, detail);
      console.log(`${what}: agent and sampler gone ${detail.processesGoneMs} ms, its ${running.programs.length} BPF program(s) ${cleanMs} ms after the cut`);
      expect(cleanMs).toBeLessThan(boundMs);

      const result = await handle.done;
      console.log(`${what}: app saved after ${Date.now() - t0} ms; ${result.summary.samples} samples kept; ${result.error?.code}: ${result.error?.message}`);
      expect(result.reason).toBe('interrupted');
      expect(result.summary.interrupted).toBe(true);
      expect(expectCleanError(result.error, ['CONNECTION_LOST']).message).toMatch(/connection .* was lost/);
      // Every delta received is in the saved capture.
      const received = handle.profile();
      expect(received.meta.sampleCount).toBeGreaterThanOrEqual(before);
      expect(result.summary.samples).toBe(received.meta.sampleCount);
      expect(received.meta.reportedSamples).toBe(progress.at(-1)?.samples);
      const listed = (await services.library.list()).captures.find((c) => c.id === result.summary.id);
      expect(listed?.interrupted).toBe(true);
      const opened = await services.library.open(result.summary.id);
      expect(opened.profile.meta.sampleCount).toBe(received.meta.sampleCount);
      expect(opened.metadata.interrupted).toBe(true);
      expect(opened.metadata.error).toMatch(/^CONNECTION_LOST: /);

      const again = await connect(a);
      try {
        await captureWorks(again, workload);
      } finally {
        await again.close();
      }
    } finally {
      await session.close();
      await workload.stop();
    }
    await hostClean(a.facts.user, [], 5000);
  }

  it('SSH cut mid-capture (the sshd processes serving it killed): host clean within 3 s, every delta kept, saved as interrupted, reconnect and capture again', async () => {
    const session = await connect(a);
    await sshCutDrill('SSH cut (sshd killed)', session, async () => {
      // The sshd processes serving this connection (the only one to this host): the listener's
      // child (privileged monitor) and its child that holds the TCP socket and the channels.
      // Killing only the monitor cuts nothing: the network child carries on.
      const serving = await sshdServing(a.facts.sshdPid);
      expect(serving.length).toBeGreaterThanOrEqual(2);
      expect(serving.some((p) => p.user === a.facts.user)).toBe(true);
      for (const p of serving) process.kill(p.pid, 'SIGKILL');
    });
  });

  /** The app reaches sshd through a TCP relay in this process, which the drills cut. */
  async function throughRelay(drill: (session: HostSession, pairs: readonly (readonly [Socket, Socket])[]) => Promise<void>): Promise<void> {
    const pairs: [Socket, Socket][] = [];
    const relay = createServer((down) => {
      const up = connectTcp(a.facts.port, '127.0.0.1');
      down.pipe(up).pipe(down);
      down.on('error', () => undefined);
      up.on('error', () => undefined);
      pairs.push([down, up]);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const address = relay.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const session = (await services.connect(`${a.facts.user}@127.0.0.1:${port}`, scriptedPrompts(), {
        identityFile: a.facts.identityFile,
        unknownHostKey: 'accept-new',
      })) as HostSession;
      expect(pairs).toHaveLength(1);
      await drill(session, pairs);
    } finally {
      for (const pair of pairs) for (const sock of pair) sock.destroy();
      await new Promise((r) => relay.close(r));
    }
  }

  it('SSH cut mid-capture (the TCP connection reset): host clean within 3 s, every delta kept, saved as interrupted, reconnect and capture again', async () => {
    // The cut resets both TCP connections (RST), as a dying network path or firewall would.
    await throughRelay((session, pairs) =>
      sshCutDrill('SSH cut (TCP reset)', session, async () => {
        for (const pair of pairs) for (const sock of pair) sock.resetAndDestroy();
      }),
    );
  });

  it('silent network loss mid-capture (packets stop, no FIN, no RST): the agent ends on its keepalive, host clean within 30 s, the app notices and saves as interrupted', async () => {
    // Nothing reaches either side any more while both TCP connections stay open: a dropped
    // Wi-Fi or a firewall that discards. sshd keeps the channel (ClientAlive checks are off
    // by default), so the agent's own gRPC keepalive (10 s + 10 s) must end the capture; the
    // app's SSH keepalive (3 × 5 s) notices on its side.
    await throughRelay((session, pairs) =>
      sshCutDrill(
        'silent network loss',
        session,
        async () => {
          for (const [down, up] of pairs) {
            down.unpipe(up);
            up.unpipe(down);
            down.pause();
            up.pause();
          }
        },
        30_000,
      ),
    );
  }, 120_000);

  it('agent killed (SIGKILL) mid-capture: one-line error, sampler and BPF programs gone, next capture works', async () => {
    const workload = await a.startWorkload('c', { threads: 1 });
    const session = await connect(a);
    try {
      const handle = await startAndWarm(session, opts({ target: { kind: 'pid', pid: workload.pid } }));
      const running = await runningSampler(a.facts.user);
      const agent = running.agent;
      if (!agent) throw new Error('no agent process found');
      const received = handle.profile().meta.sampleCount;
      process.kill(agent.pid, 'SIGKILL');
      const detail: { processesGoneMs?: number } = {};
      const cleanMs = await hostClean(a.facts.user, running.programs, 10_000, detail);
      console.log(`agent SIGKILL: agent and sampler gone after ${detail.processesGoneMs} ms, BPF programs after ${cleanMs} ms`);
      expect(cleanMs).toBeLessThan(CLEANUP_BOUND_MS);
      const result = await handle.done;
      // The connection is fine, the agent died: said so, not "connection lost".
      const e = expectCleanError(result.error, ['AGENT_FAILED']);
      console.log(`agent SIGKILL: ${e.code}: ${e.message}`);
      expect(e.message).toMatch(/\(killed by SIGKILL\)/);
      expect(result.reason).toBe('interrupted');
      expect(result.summary.samples).toBeGreaterThanOrEqual(received);
      await captureWorks(session, workload);
    } finally {
      await session.close();
      await workload.stop();
    }
    await hostClean(a.facts.user, [], 5000);
  });

  it('sampler killed (SIGKILL) mid-capture: one-line error, BPF programs gone, next capture works', async () => {
    const workload = await a.startWorkload('c', { threads: 1 });
    const session = await connect(a);
    try {
      const handle = await startAndWarm(session, opts({ target: { kind: 'pid', pid: workload.pid } }));
      const running = await runningSampler(a.facts.user);
      process.kill(running.sampler.pid, 'SIGKILL');
      const result = await handle.done;
      const e = expectCleanError(result.error, ['SAMPLER_FAILED']);
      console.log(`sampler SIGKILL: ${e.code}: ${e.message}`);
      expect(e.message).toMatch(/SIGKILL/);
      expect(result.reason).toBe('interrupted');
      expect(result.summary.samples).toBeGreaterThan(0);
      // The agent outlives its sampler only until the app closes the capture's agent.
      const cleanMs = await hostClean(a.facts.user, running.programs, 10_000);
      expect(cleanMs).toBeLessThan(CLEANUP_BOUND_MS);
      await captureWorks(session, workload);
    } finally {
      await session.close();
      await workload.stop();
    }
    await hostClean(a.facts.user, [], 5000);
  });

  it('sampler exits with an error (a cgroup it may not open): one-line error with a stable code, nothing left, next capture works', async () => {
    const cgroup = `/sys/fs/cgroup/emberscope-drill-${process.pid}`;
    await run('mkdir', ['-m', '0700', cgroup]);
    const workload = await a.startWorkload('c', { threads: 1 });
    const session = await connect(a);
    try {
      const started = services.capture.start(session, opts({ target: { kind: 'cgroup', path: cgroup } }));
      const error = await started.then(
        () => new Error('the capture started'),
        (e: unknown) => e,
      );
      const e = expectCleanError(error, ['SAMPLER_FAILED']);
      console.log(`sampler error: ${e.code}: ${e.message}`);
      expect(e.message).toMatch(/cgroup/i);
      expect(e.message).toMatch(/Permission denied/);
      expect(services.capture.active()).toHaveLength(0);
      await hostClean(a.facts.user, [], CLEANUP_BOUND_MS);
      await captureWorks(session, workload);
    } finally {
      await session.close();
      await workload.stop();
      await run('rmdir', [cgroup]).catch(() => undefined);
    }
    await hostClean(a.facts.user, [], 5000);
  });

  it('cache directory removed between captures: the next capture redeploys (verified, 0700) and works', async () => {
    const workload = await a.startWorkload('c', { threads: 1 });
    const cache = join(a.facts.home, '.cache', 'emberscope');
    const session = await connect(a);
    try {
      await captureWorks(session, workload);
      expect(existsSync(cache)).toBe(true);
      await rm(cache, { recursive: true, force: true });
      // Same session (its deployment was remembered) and a fresh one.
      await captureWorks(session, workload);
      const { stdout } = await run('stat', ['-c', '%a %U', cache]);
      expect(stdout.trim()).toBe(`700 ${a.facts.user}`);
      await rm(cache, { recursive: true, force: true });
      const fresh = await connect(a);
      try {
        await captureWorks(fresh, workload);
      } finally {
        await fresh.close();
      }
      const { stdout: files } = await run('find', [cache, '-type', 'f', '-name', '*.part']);
      expect(files.trim()).toBe('');
    } finally {
      await session.close();
      await workload.stop();
    }
    await hostClean(a.facts.user, [], 5000);
  });

  it('cache directory on a full disk (a small tmpfs): DISK_FULL in one line naming the file, no half-uploaded file, next capture works', async () => {
    const workload = await b.startWorkload('c', { threads: 1 });
    const cache = join(b.facts.home, '.cache', 'emberscope');
    const agentKiB = Math.ceil((await stat(join(dist.dir, 'agent', 'agent.cjs'))).size / 1024);
    // Nothing fits; then the agent bundle fits and the sampler (cached for setup) does not.
    const cases = [
      { sizeKiB: 64, file: 'agent.cjs' },
      { sizeKiB: agentKiB + 128, file: 'emberscope-sampler' },
    ];
    let mounted = false;
    try {
      for (const c of cases) {
        await rm(cache, { recursive: true, force: true });
        await b.runAsUser(['mkdir', '-p', '-m', '0700', cache]);
        await run('mount', ['-t', 'tmpfs', '-o', `size=${c.sizeKiB}k,mode=0700,uid=${b.facts.uid},gid=${b.facts.uid}`, 'emberscope-drill', cache]);
        mounted = true;
        const session = await connect(b);
        try {
          const error = await services.capture.start(session, opts({ target: { kind: 'pid', pid: workload.pid } })).then(
            () => new Error('the capture started'),
            (e: unknown) => e,
          );
          const e = expectCleanError(error, ['DISK_FULL']);
          console.log(`disk full (${c.sizeKiB} KiB tmpfs): ${e.code}: ${e.message}`);
          expect(e.message).toContain(c.file);
          const { stdout: left } = await run('find', [cache, '-type', 'f']);
          // Nothing half-uploaded: no .part file, and every file left is complete and verified.
          expect(left).not.toMatch(/\.part$/m);
          for (const f of left.split('\n').filter(Boolean)) {
            const sha = (await run('sha256sum', [f])).stdout.split(' ')[0] ?? '';
            expect(f).toContain(`/${sha}/`);
          }
          expect(await emberProcessesOf(b.facts.user)).toEqual([]);
          await run('umount', [cache]);
          mounted = false;
          await captureWorks(session, workload);
        } finally {
          await session.close();
        }
      }
    } finally {
      if (mounted) await run('umount', ['-l', cache]).catch(() => undefined);
      await workload.stop();
    }
    await hostClean(b.facts.user, [], 5000);
  });

  it('two captures on two hosts at once: each holds only its own workload', async () => {
    const [wa, wb] = await Promise.all([a.startWorkload('c', { threads: 1 }), b.startWorkload('go', { threads: 1 })]);
    const [sa, sb] = await Promise.all([connect(a), connect(b)]);
    try {
      const [ha, hb] = await Promise.all([
        startAndWarm(sa, opts({ hz: 499, target: { kind: 'pid', pid: wa.pid } })),
        startAndWarm(sb, opts({ hz: 499, target: { kind: 'pid', pid: wb.pid } })),
      ]);
      expect(services.capture.active()).toHaveLength(2);
      await sleep(2500);
      const [ra, rb] = await Promise.all([ha.stop(), hb.stop()]);
      for (const [r, h, w, mine, theirs] of [
        [ra, a, wa, C_LEAVES, GO_LEAVES],
        [rb, b, wb, GO_LEAVES, C_LEAVES],
      ] as const) {
        expect(r.error).toBeNull();
        const { profile, metadata } = await services.library.open(r.summary.id);
        expect(metadata.user).toBe(h.facts.user);
        expect(metadata.host.port).toBe(h.facts.port);
        expect([...pidsIn(profile)]).toEqual([w.pid]);
        const leaves = leafNames(profile);
        const own = mine.reduce((n, l) => n + (leaves.get(l) ?? 0), 0);
        const foreign = theirs.reduce((n, l) => n + (leaves.get(l) ?? 0), 0);
        console.log(`two hosts: ${h.facts.user} ${profile.meta.sampleCount} samples, ${own} at its own leaves, ${foreign} at the other's`);
        expect(own).toBeGreaterThan(profile.meta.sampleCount * 0.5);
        expect(foreign).toBe(0);
      }
    } finally {
      await Promise.all([sa.close(), sb.close()]);
      await Promise.all([wa.stop(), wb.stop()]);
    }
    await hostClean(a.facts.user, [], 5000);
    await hostClean(b.facts.user, [], 5000);
  });

  it('a second capture on the same host is refused while one runs (CAPTURE_BUSY); the first goes on unharmed, and the host is free once it stops', async () => {
    const [wc, wg] = await Promise.all([a.startWorkload('c', { threads: 1 }), a.startWorkload('go', { threads: 1 })]);
    const [s1, s2] = await Promise.all([connect(a), connect(a)]);
    try {
      const h1 = await startAndWarm(s1, opts({ hz: 499, target: { kind: 'pid', pid: wc.pid } }));
      await expect(services.capture.start(s2, opts({ hz: 499, target: { kind: 'pid', pid: wg.pid } }), () => undefined)).rejects.toMatchObject({ code: 'CAPTURE_BUSY' });
      const procs = await processesOf(a.facts.user);
      expect(procs.filter(isSampler)).toHaveLength(1);
      expect(procs.filter(isAgent)).toHaveLength(1);
      await sleep(1500);
      const r1 = await h1.stop();
      expect(r1.error).toBeNull();
      const { profile } = await services.library.open(r1.summary.id);
      expect([...pidsIn(profile)]).toEqual([wc.pid]);
      const leaves = leafNames(profile);
      const own = C_LEAVES.reduce((n, l) => n + (leaves.get(l) ?? 0), 0);
      console.log(`same host: c capture ${profile.meta.sampleCount} samples, ${own} at its own leaves; the second start refused`);
      expect(own).toBeGreaterThan(profile.meta.sampleCount * 0.5);
      // Stopped: the host takes a new capture, from the other session.
      const h2 = await startAndWarm(s2, opts({ hz: 499, target: { kind: 'pid', pid: wg.pid } }));
      expect((await h2.stop()).error).toBeNull();
    } finally {
      await Promise.all([s1.close(), s2.close()]);
      await Promise.all([wc.stop(), wg.stop()]);
    }
    await hostClean(a.facts.user, [], 5000);
  });

  it(
    `SLOW soak: ${SOAK_SECONDS} s at 999 Hz with both CPUs busy: agent and app memory flat after warm-up (<10%), every sample counted or counted as lost`,
    async () => {
      expect(SOAK_SECONDS).toBeGreaterThanOrEqual(20);
      setFlagsFromString('--expose_gc');
      const gc = runInNewContext('gc') as () => void;
      const workload = await b.startWorkload('c', { threads: 2 });
      const session = await connect(b);
      try {
        const progress: CaptureProgress[] = [];
        const handle = await startAndWarm(session, opts({ hz: 999, target: { kind: 'pid', pid: workload.pid } }), progress);
        const running = await runningSampler(b.facts.user);
        const agentPid = running.agent?.pid ?? 0;
        expect(agentPid).toBeGreaterThan(0);
        const points: { t: number; agent: number; app: number }[] = [];
        const t0 = Date.now();
        while (Date.now() - t0 < SOAK_SECONDS * 1000) {
          await sleep(Math.min(5000, (SOAK_SECONDS * 1000) / 40));
          gc();
          points.push({ t: (Date.now() - t0) / 1000, agent: rssOf(agentPid), app: process.memoryUsage().heapUsed });
          expect(handle.profile().meta.sampleCount).toBeGreaterThan(0);
        }
        const result = await handle.stop();
        expect(result.error).toBeNull();
        // Warm-up: the first quarter. Flat: the peak of the last quarter within 10% of the peak of the second quarter.
        const q = (from: number, to: number, key: 'agent' | 'app'): number =>
          Math.max(...points.filter((p) => p.t >= SOAK_SECONDS * from && p.t <= SOAK_SECONDS * to).map((p) => p[key]));
        const mib = (n: number): string => (n / 1048576).toFixed(1);
        const growth = (key: 'agent' | 'app'): number => q(0.75, 1, key) / q(0.25, 0.5, key) - 1;
        const profile = handle.profile();
        const { sampleCount, reportedSamples, lost } = profile.meta;
        console.log(
          `soak ${SOAK_SECONDS} s at 999 Hz: agent RSS ${mib(q(0.25, 0.5, 'agent'))} → ${mib(q(0.75, 1, 'agent'))} MiB (${(growth('agent') * 100).toFixed(1)}%), ` +
            `app heap ${mib(q(0.25, 0.5, 'app'))} → ${mib(q(0.75, 1, 'app'))} MiB (${(growth('app') * 100).toFixed(1)}%); ` +
            `sampler END total ${result.samplerTotal}, ${reportedSamples} in its STATS, ${sampleCount} in the profile, lost ${JSON.stringify(lost)}, ${progress.length} deltas`,
        );
        console.log(`soak memory points (s, agent MiB, app MiB): ${points.map((p) => `${p.t.toFixed(0)}:${mib(p.agent)}/${mib(p.app)}`).join(' ')}`);
        expect(growth('agent')).toBeLessThan(0.1);
        expect(growth('app')).toBeLessThan(0.1);
        // No sample lost without being counted: counted + lost (map full, other) == the sampler's
        // STATS of every interval == the sampler's own total in its END record.
        expect(sampleCount + lost.mapFull + lost.other).toBe(reportedSamples);
        expect(result.samplerTotal).toBe(reportedSamples);
        expect(reportedSamples).toBeGreaterThan(999 * SOAK_SECONDS * 0.25);
        expect(result.summary.samples).toBe(sampleCount);
        // One delta per 1 s interval at least (none dropped on the way).
        expect(progress.length).toBeGreaterThanOrEqual(Math.floor(SOAK_SECONDS * 0.9));
      } finally {
        await session.close();
        await workload.stop();
      }
      await hostClean(b.facts.user, [], 5000);
    },
    15 * 60_000,
  );
});
