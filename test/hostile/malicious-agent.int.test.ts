// Hostile input (issue 8): the app's real agent client and profile builder against a malicious
// agent that speaks the real protocol over the real transport (gRPC on a child's stdio).
// Each attack must leave memory bounded, the event loop responsive, fail with a typed code and
// one plain sentence, and count whatever it refused or shortened.
import { afterEach, describe, expect, it } from 'vitest';
import { EmberError } from '../../core/errors';
import { ProfileBuilder, type Profile } from '../../core/profile';
import { DEFAULT_LIMITS } from '../../core/profile/limits';
import { deltaToCore } from '../../core/protocol/convert';
import type { AgentClient } from '../../electron/agent-client';
import { connectMalicious, settledHeap, watchResponsiveness, type Responsiveness } from './agent-client';
import { HOSTILE_NAMES, LONG_NAME_LENGTH, type ScenarioName } from './hostile-protocol';

const MiB = 2 ** 20;
let client: AgentClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

interface Outcome {
  profile: Profile;
  error: EmberError | undefined;
  deltas: number;
  heapGrowth: number;
  watch: Responsiveness;
  ms: number;
}

/** One capture from the malicious agent into a ProfileBuilder, as the capture service does it. */
async function ingest(scenario: ScenarioName, env?: Record<string, string>): Promise<Outcome> {
  const before = settledHeap();
  const t0 = performance.now();
  const watching = watchResponsiveness();
  client = await connectMalicious(scenario, env);
  const builder = new ProfileBuilder({ hz: 99 });
  let error: EmberError | undefined;
  let deltas = 0;
  try {
    for await (const event of client.startCapture({ hz: 99 })) {
      if (event.event?.$case !== 'delta') continue;
      builder.apply(deltaToCore(event.event.value));
      deltas++;
    }
  } catch (e) {
    if (!(e instanceof EmberError)) throw e;
    error = e;
  }
  const watch = watching.stop();
  const ms = performance.now() - t0;
  const heapGrowth = settledHeap() - before; // the builder is still alive here
  const profile = builder.snapshot();
  const mb = (n: number): string => `${(n / MiB).toFixed(0)} MiB`;
  console.log(
    `hostile ${scenario}: ${deltas} deltas in ${(ms / 1000).toFixed(1)} s; heap growth ${mb(heapGrowth)}, peak RSS ${mb(watch.peakRss)}; ` +
      `event-loop lag max ${watch.maxLagMs.toFixed(0)} ms, p99 ${watch.p99LagMs.toFixed(0)} ms; ${error ? `${error.code}: ${error.message}` : 'no error'}`,
  );
  return { profile, error, deltas, heapGrowth, watch, ms };
}

/** One plain sentence: starts with a capital, ends with a period, no stack trace, short. */
function expectPlainSentence(message: string): void {
  expect(message).toMatch(/^[A-Z]/);
  expect(message).toMatch(/\.$/);
  expect(message).not.toMatch(/\n|\bat .*\(|Error:/);
  expect(message.length).toBeLessThan(300);
}

// Slack for a 2-CPU machine shared with other test runs.
const LAG_BOUND_MS = 2000;

describe('a malicious agent cannot exhaust the app', () => {
  it('millions of unique stacks: the model keeps its bound, counts the rest, memory stays bounded', async () => {
    const stacks = 2_000_000;
    const o = await ingest('many-stacks', { HOSTILE_STACKS: String(stacks) });
    expect(o.error).toBeUndefined();
    const overflowStackRows = 1; // the one "[stack limit reached]" stack
    expect(o.profile.stacks.length).toBe(DEFAULT_LIMITS.maxStacks + overflowStackRows);
    expect(o.profile.meta.overflow.stacks).toBe(stacks - DEFAULT_LIMITS.maxStacks);
    // No sample is lost: the refused stacks' samples are on the overflow stack, and counted.
    expect(o.profile.meta.sampleCount).toBe(stacks);
    expect(o.profile.meta.overflow.samples).toBe(stacks - DEFAULT_LIMITS.maxStacks);
    // Measured ~285 MiB for the 500k stacks of 5 frames kept (2M sent, 20k per delta); event-loop
    // lag max ~0.5 s (50k-stack deltas: ~1.5 s). Without the bound 4x the stacks would be kept.
    expect(o.heapGrowth).toBeLessThan(600 * MiB);
    // RSS also holds decoded messages not yet collected: measured 0.95-1.1 GiB at its peak.
    expect(o.watch.peakRss).toBeLessThan(1536 * MiB);
    expect(o.watch.maxLagMs).toBeLessThan(LAG_BOUND_MS);
  }, 240_000);

  it('a flood of 4000-character names: the string budget refuses frames past it, counted', async () => {
    const frames = 40_000; // 4000 characters each (name + address): 160M, over the 128 Mi budget
    const o = await ingest('many-strings', { HOSTILE_FRAMES: String(frames) });
    expect(o.error).toBeUndefined();
    const kept = o.profile.frames.length;
    expect(kept).toBeLessThan(frames);
    expect(kept * 4000).toBeLessThanOrEqual(DEFAULT_LIMITS.maxStringChars);
    expect(o.profile.meta.overflow.frames).toBe(frames - kept);
    expect(o.heapGrowth).toBeLessThan(DEFAULT_LIMITS.maxStringChars * 2 + 150 * MiB);
    expect(o.watch.maxLagMs).toBeLessThan(LAG_BOUND_MS);
  }, 240_000);

  it('stacks 200,000 frames deep are cut to the depth bound, the cut frames counted', async () => {
    const o = await ingest('deep-stacks');
    expect(o.error).toBeUndefined();
    expect(o.profile.stacks.every((s) => s.length <= DEFAULT_LIMITS.maxStackDepth)).toBe(true);
    expect(o.profile.meta.overflow.truncatedFrames).toBe(3 * (200_000 - DEFAULT_LIMITS.maxStackDepth));
    expect(o.watch.maxLagMs).toBeLessThan(LAG_BOUND_MS);
  }, 60_000);
});

describe('a malicious agent gets a typed, plain error', () => {
  const cases: [ScenarioName, string, RegExp][] = [
    ['oversized', 'TOO_LARGE', /message of \d+ bytes, more than the limit of 16777216 bytes/],
    ['huge-count', 'PROTOCOL', /not valid protocol \(Value is larger than Number.MAX_SAFE_INTEGER\)/],
    ['negative-count', 'PROTOCOL', /not valid protocol/],
    ['too-deep', 'PROTOCOL', /list of 300000 items, more than the bound of 250000/],
    ['nan-time', 'PROTOCOL', /not finite/],
  ];
  it.each(cases)('%s → %s', async (scenario, code, message) => {
    const o = await ingest(scenario);
    expect(o.error?.code).toBe(code);
    expect(o.error?.message).toMatch(message);
    expectPlainSentence(o.error?.message ?? '');
    expect(o.heapGrowth).toBeLessThan(100 * MiB);
  }, 60_000);

  it('counts whose sum passes 2^53 are refused (BAD_INPUT), nothing half-applied', async () => {
    for (const scenario of ['count-overflow', 'reported-overflow'] as const) {
      const o = await ingest(scenario);
      expect(o.error?.code).toBe('BAD_INPUT');
      expect(o.error?.message).toMatch(/^The profile data is invalid: the total (reported )?sample count would overflow\.$/);
      expectPlainSentence(o.error?.message ?? '');
      expect(Number.isSafeInteger(o.profile.meta.sampleCount)).toBe(true);
      expect(Number.isSafeInteger(o.profile.meta.reportedSamples)).toBe(true);
      await client?.close();
    }
  }, 60_000);
});

describe('names from a malicious agent', () => {
  it('arrive as inert text: HTML kept verbatim, invalid UTF-8 replaced, control characters made visible, overlong names cut and counted', async () => {
    client = await connectMalicious('html-names');
    const stream = client.startCapture({ hz: 99 });
    const builder = new ProfileBuilder({ hz: 99 });
    let deltas = 0;
    for await (const event of stream) {
      if (event.event?.$case !== 'delta') continue;
      builder.apply(deltaToCore(event.event.value));
      if (++deltas === 3) await client.stopCapture();
    }
    const p = builder.snapshot();
    const names = p.frames.map((f) => f.name);
    for (const n of HOSTILE_NAMES.slice(0, 5)) expect(names).toContain(n);
    expect(names).toContain('bad\ufffd\ufffd\ufffd(\ufffd\ufffd\ufffd_utf8');
    // eslint-disable-next-line no-control-regex
    expect(names.some((n) => /[\u0000-\u0008\u000a-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(n))).toBe(false);
    expect(names).toContain('\ufffdevil_reversed');
    const long = names.find((n) => n.startsWith('long_'));
    expect(long).toHaveLength(DEFAULT_LIMITS.maxStringLength);
    expect(LONG_NAME_LENGTH).toBeGreaterThan(DEFAULT_LIMITS.maxStringLength);
    expect(p.meta.overflow.truncatedStrings).toBe(1);
    expect(p.samples.some((r) => r.comm.startsWith('<iframe'))).toBe(true);
  }, 60_000);
});
