// The agent end to end under plain node (bundle, gRPC over its stdio, the typed client), with a
// scripted stand-in for the sampler that replays records (the real sampler: *.int.test.ts).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmberError } from '../../core/errors';
import { EndReason, FrameStatus, type CaptureEvent } from '../../core/protocol/generated/emberscope.generated';
import { PROTOCOL_VERSION } from '../../core/protocol/service';
import { connectAgent, spawnLocalAgent, type AgentClient } from '../../electron/agent-client';
import { concat, encodeCount, encodeEnd, encodeError, encodeHeader, encodeMaps, encodeStack, encodeStats } from '../src/sampler/encode';
import { buildFixtures, probeFixture, repoRoot, type Fixtures } from './helpers';

let dir: string;
let agentPath: string;
/** Run the agent under another node (e.g. Node 18 or 22): EMBERSCOPE_TEST_AGENT_NODE=/path/to/node. */
const agentNode = process.env['EMBERSCOPE_TEST_AGENT_NODE'] || undefined;
let fx: Fixtures;
let maps = '';
let addrs: bigint[] = [];

/** A fake sampler: writes `records.bin`, then (with `wait`) waits for stdin to close and writes `tail.bin`. */
function fakeSampler(name: string, records: Uint8Array, opts: { wait?: boolean; tail?: Uint8Array; exitCode?: number; stderr?: string } = {}): string {
  const d = join(dir, name);
  execFileSync('mkdir', ['-p', d]);
  writeFileSync(join(d, 'records.bin'), records);
  writeFileSync(join(d, 'tail.bin'), opts.tail ?? new Uint8Array(0));
  writeFileSync(join(d, 'args.json'), '[]');
  const script = `#!${process.execPath}
const fs = require('fs');
const d = ${JSON.stringify(d)};
fs.writeFileSync(d + '/args.json', JSON.stringify(process.argv.slice(2)));
${opts.stderr ? `process.stderr.write(${JSON.stringify(opts.stderr)});` : ''}
process.stdout.write(fs.readFileSync(d + '/records.bin'), () => {
  if (!${Boolean(opts.wait)}) process.exit(${opts.exitCode ?? 0});
  process.stdin.resume();
  process.stdin.on('end', () => process.stdout.write(fs.readFileSync(d + '/tail.bin'), () => process.exit(0)));
});
`;
  const path = join(d, 'emberscope-sampler');
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return path;
}

async function collect(events: AsyncIterable<CaptureEvent>): Promise<CaptureEvent[]> {
  const out: CaptureEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emberscope-agent-fake-'));
  execFileSync(process.execPath, [join(repoRoot, 'agent-remote', 'build.mjs'), '--outdir', join(dir, 'agent')]);
  agentPath = join(dir, 'agent', 'agent.cjs');
  fx = buildFixtures();
  ({ addrs, maps } = await probeFixture(fx.prog));
}, 120_000);

afterAll(() => {
  fx?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function scripted(): Uint8Array {
  const [alpha, beta, gamma] = [addrs[0] ?? 0n, addrs[1] ?? 0n, addrs[2] ?? 0n];
  return concat([
    encodeHeader({ hz: 99, ncpus: 2, flags: 4, samplerPid: 4321 }),
    encodeMaps(900, maps),
    encodeStack(1, 0, [alpha + 3n, beta + 1n]),
    encodeStack(2, 0, [gamma + 1n]),
    encodeCount({ tgid: 900, pid: 901, userStackId: 1, kernelStackId: -1, comm: 'prog', count: 60 }),
    encodeCount({ tgid: 900, pid: 902, userStackId: 2, kernelStackId: -1, comm: 'prog', count: 40 }),
    encodeStats({ interval: 1, samples: 100, lost: [0, 1, 0, 0] }),
    encodeCount({ tgid: 900, pid: 901, userStackId: 1, kernelStackId: -1, comm: 'prog', count: 10 }),
    encodeStats({ interval: 2, samples: 10 }),
  ]);
}

describe('agent under plain node (scripted sampler)', () => {
  let client: AgentClient;
  const logs: string[] = [];
  beforeAll(async () => {
    client = await connectAgent(spawnLocalAgent({ agentPath, nodePath: agentNode, onLog: (l) => logs.push(l) }));
  });
  afterAll(async () => {
    await client?.close();
  });

  it('answers Hello with versions and host facts', async () => {
    const h = await client.hello();
    expect(h.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(h.agentVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(h.host).toMatchObject({ arch: process.arch, ncpus: expect.any(Number) });
    if (!agentNode) expect(h.host?.nodeVersion).toBe(process.version);
  });

  it('answers Posture with the evidence', async () => {
    const sampler = fakeSampler('posture', new Uint8Array(0));
    const p = await client.posture({ samplerPath: sampler, binaries: [fx.prog, fx.progStripped] });
    expect(p.kernel?.btfPresent).toBe(true);
    expect(p.kernel?.perfEventParanoid?.present).toBe(true);
    expect(p.samplerFile).toMatchObject({ path: sampler, exists: true, mode: 0o755, callerCanExecute: true });
    expect(p.samplerFile?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.mounts.map((m) => m.role)).toEqual(['install', 'cache', 'sampler']);
    expect(p.agent?.present).toBe(true);
    expect(p.binaries.find((b) => b.path === fx.prog)?.hasDwarf).toBe(true);
    expect(p.binaries.find((b) => b.path === fx.progStripped)?.hasDwarf).toBe(false);
    expect(p.policy?.path).toBe('/etc/emberscope/policy.json');
  });

  it('streams started, symbolized deltas and ended', async () => {
    const sampler = fakeSampler('basic', concat([scripted(), encodeEnd(0, 110, 1)]));
    const events = await collect(client.startCapture({ hz: 99, seconds: 2, sampler: { path: sampler }, target: { kind: 'pids', pids: [900] } }));
    const args = JSON.parse(readFileSync(join(dir, 'basic', 'args.json'), 'utf8')) as string[];
    expect(args).toEqual(['--hz', '99', '--interval-ms', '1000', '--maps', '--duration', '2', '--pid', '900']);
    expect(events.map((e) => e.event?.$case)).toEqual(['started', 'delta', 'delta', 'ended']);
    const started = events[0]?.event?.$case === 'started' ? events[0].event.value : undefined;
    expect(started?.sampler).toMatchObject({ pid: 4321, hz: 99, ncpus: 2, maps: true });
    expect(started?.agent?.present).toBe(true);
    const d1 = events[1]?.event?.$case === 'delta' ? events[1].event.value : undefined;
    expect(d1?.frames.map((f) => f.name)).toEqual(['fixture_alpha', 'fixture_beta', 'fixture::Gamma::run(int)']);
    expect(d1?.frames.every((f) => f.status === FrameStatus.FRAME_STATUS_SYMBOLIZED)).toBe(true);
    expect(d1?.counts.reduce((n, c) => n + c.count, 0)).toBe(100);
    expect(d1?.stats?.lost?.userStack).toBe(1);
    const d2 = events[2]?.event?.$case === 'delta' ? events[2].event.value : undefined;
    expect(d2?.frames).toEqual([]);
    expect(d2?.counts).toEqual([{ stackId: 1, pid: 900, tid: 901, comm: 'prog', count: 10 }]);
    const ended = events[3]?.event?.$case === 'ended' ? events[3].event.value : undefined;
    expect(ended?.reason).toBe(EndReason.END_REASON_DURATION);
    expect(ended?.totalSamples).toBe(110);
  });

  it('stops a capture on StopCapture (the sampler sees its stdin close)', async () => {
    const sampler = fakeSampler('stop', scripted(), { wait: true, tail: concat([encodeStats({ interval: 3, samples: 0 }), encodeEnd(2)]) });
    const stream = client.startCapture({ sampler: { path: sampler } });
    const events: CaptureEvent[] = [];
    const done = (async () => {
      for await (const e of stream) events.push(e);
    })();
    const started = await stream.started;
    await new Promise((r) => setTimeout(r, 300));
    expect((await client.stopCapture(started.captureId)).stopped).toBe(true);
    await done;
    const last = events[events.length - 1];
    expect(last?.event?.$case).toBe('ended');
    expect(last?.event?.$case === 'ended' && last.event.value.reason).toBe(EndReason.END_REASON_STOPPED);
    expect((await client.stopCapture('nope')).stopped).toBe(false);
  });

  it('refuses a second capture while one runs (CAPTURE_BUSY), and cancelling ends the first', async () => {
    const sampler = fakeSampler('busy', scripted(), { wait: true });
    const first = client.startCapture({ sampler: { path: sampler } });
    const it1 = first[Symbol.asyncIterator]();
    await it1.next();
    await expect(collect(client.startCapture({ sampler: { path: sampler } }))).rejects.toMatchObject({ code: 'CAPTURE_BUSY' });
    first.cancel();
    for (;;) if ((await it1.next()).done) break;
    // The agent is free again.
    const again = fakeSampler('after-busy', concat([scripted(), encodeEnd(0)]));
    const events = await collect(client.startCapture({ sampler: { path: again } }));
    expect(events[events.length - 1]?.event?.$case).toBe('ended');
  });

  it('maps sampler failures to stable codes', async () => {
    const eperm = fakeSampler('eperm', encodeError('EPERM', 'CAP_BPF is missing'), { exitCode: 1, stderr: 'emberscope-sampler: EPERM: CAP_BPF is missing\n' });
    await expect(collect(client.startCapture({ sampler: { path: eperm } }))).rejects.toMatchObject({ code: 'EPERM', message: 'CAP_BPF is missing' });
    const nobtf = fakeSampler('nobtf', new Uint8Array(0), { exitCode: 1, stderr: 'emberscope-sampler: NO_BTF: /sys/kernel/btf/vmlinux is missing\n' });
    await expect(collect(client.startCapture({ sampler: { path: nobtf } }))).rejects.toMatchObject({ code: 'NO_BTF' });
    await expect(collect(client.startCapture({ sampler: { path: join(dir, 'missing') } }))).rejects.toMatchObject({ code: 'SETUP_MISSING' });
    await expect(collect(client.startCapture({ hz: 50_000 }))).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
    const garbage = fakeSampler('garbage', concat([encodeHeader(), Uint8Array.from([3, 0, 0, 0, 1, 0, 0, 0, 9])]));
    const events = await collect(client.startCapture({ sampler: { path: garbage } }));
    const ended = events[events.length - 1]?.event;
    expect(ended?.$case === 'ended' && ended.value.error?.code).toBe('BAD_RECORD');
  });

  it('redacts on the host in strict mode: sensitive names never leave it', async () => {
    const sampler = fakeSampler('strict', concat([scripted(), encodeEnd(0)]));
    const events = await collect(client.startCapture({ sampler: { path: sampler }, redaction: { strict: true, preset: 'strict', patterns: ['alpha'] } }));
    const started = events[0]?.event?.$case === 'started' ? events[0].event.value : undefined;
    expect(started?.strictRedaction).toBe(true);
    expect(started?.strictReason).toBe('request');
    const wire = JSON.stringify(events);
    expect(wire).not.toContain('fixture_alpha');
    expect(wire).not.toContain(fx.prog);
    expect(wire).toContain('fixture_beta'); // not sensitive
    expect(wire).not.toContain('"comm":"prog"');
  });

  it('the agent exits when its stdin closes', async () => {
    let exited: number | null | undefined;
    const c = await connectAgent(spawnLocalAgent({ agentPath, nodePath: agentNode, onExit: (code) => (exited = code) }));
    await c.hello();
    await c.close();
    await new Promise((r) => setTimeout(r, 1000));
    expect(exited).toBe(0);
    await expect(c.hello()).rejects.toBeInstanceOf(EmberError);
  });
});
