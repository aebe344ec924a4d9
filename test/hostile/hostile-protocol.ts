// Hand-made protocol bytes for the malicious agent (malicious-agent.ts): capture events written
// field by field with the protobuf wire writer, so they can carry what the generated encoders
// refuse to produce. Field numbers are those of agent-remote/proto/emberscope.proto.
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

export const SCENARIOS = [
  /** HTML, <script>, invalid UTF-8, control characters, an overlong name; streams until stopped. */
  'html-names',
  /** A count of 2^63-1 (a uint64 a JS number cannot hold). */
  'huge-count',
  /** A count of -1 written as a 64-bit varint (what a signed writer would send). */
  'negative-count',
  /** 8200 rows of 2^40 samples: their sum overflows 2^53. */
  'count-overflow',
  /** Two deltas each reporting 2^53-1 samples: the running total overflows 2^53. */
  'reported-overflow',
  /** time_ms = NaN. */
  'nan-time',
  /** One message of 20 MiB. */
  'oversized',
  /** HOSTILE_STACKS (default 1,500,000) unique stacks, 20,000 per delta (a busy host's interval). */
  'many-stacks',
  /** Stacks 200,000 frames deep (under the client's list bound, over the model's depth bound). */
  'deep-stacks',
  /** A stack 300,000 frames deep (over the client's list bound). */
  'too-deep',
  /** HOSTILE_FRAMES (default 150,000) unique frames with names of 4,000 characters. */
  'many-strings',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Names a compromised host might send to attack the renderer. */
export const HOSTILE_NAMES = [
  '<script>window.__pwned = "script"</script>',
  '<img src=x onerror="window.__pwned = \'img\'">',
  '"><svg onload="window.__pwned = \'svg\'"></svg>',
  '<iframe srcdoc="<script>parent.__pwned = 1</script>"></iframe>',
  '&lt;b&gt; &amp; <b>bold</b> {{constructor.constructor("window.__pwned=1")()}}',
  'ctl\u0000\u001b[31mred\u0007bell',
  '\u202eevil_reversed',
] as const;
/** Bytes that are not UTF-8 (a lone continuation byte, an overlong form, a surrogate half). */
export const INVALID_UTF8 = Uint8Array.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x5f, 0x75, 0x74, 0x66, 0x38]);
export const LONG_NAME_LENGTH = 10_000;
export const HOSTILE_COMM = '<iframe src="javascript:alert(1)">';

export const END_DURATION = 1;
export const END_STOPPED = 2;

export interface RawFrame {
  id: number;
  name: string | Uint8Array;
  module?: string;
  address?: string;
}
export interface RawCount {
  stackId: number;
  pid: number;
  tid: number;
  comm: string;
  /** A bigint to write values a JS number cannot. */
  count: number | bigint;
}
export interface RawDelta {
  seq: number;
  timeMs: number;
  frames?: readonly RawFrame[];
  stacks?: readonly { id: number; frameIds: ArrayLike<number> }[];
  counts?: readonly RawCount[];
  samples?: number | bigint;
}

function str(w: BinaryWriter, field: number, value: string | Uint8Array): void {
  if (typeof value === 'string') w.tag(field, WireType.LengthDelimited).string(value);
  else w.tag(field, WireType.LengthDelimited).bytes(value);
}

export function encodeStarted(captureId: string, hz = 99): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).fork();
  str(w, 1, captureId);
  w.tag(2, WireType.LengthDelimited).fork();
  w.tag(1, WireType.Varint).uint32(4242).tag(2, WireType.Varint).uint32(1).tag(3, WireType.Varint).uint32(hz).tag(4, WireType.Varint).uint32(2);
  w.tag(10, WireType.Bit64).double(Date.now());
  w.join();
  w.join();
  return w.finish();
}

export function encodeDelta(d: RawDelta): Uint8Array {
  const w = new BinaryWriter();
  w.tag(2, WireType.LengthDelimited).fork();
  w.tag(1, WireType.Varint).uint64(d.seq);
  w.tag(2, WireType.Bit64).double(d.timeMs);
  for (const f of d.frames ?? []) {
    w.tag(3, WireType.LengthDelimited).fork();
    w.tag(1, WireType.Varint).uint32(f.id);
    str(w, 2, f.name);
    if (f.module !== undefined) str(w, 3, f.module);
    if (f.address !== undefined) str(w, 7, f.address);
    w.tag(8, WireType.Varint).int32(1).tag(9, WireType.Varint).int32(1);
    w.join();
  }
  for (const s of d.stacks ?? []) {
    w.tag(4, WireType.LengthDelimited).fork();
    w.tag(1, WireType.Varint).uint32(s.id);
    w.tag(2, WireType.LengthDelimited).fork();
    for (let i = 0; i < s.frameIds.length; i++) w.uint32(s.frameIds[i] as number);
    w.join();
    w.join();
  }
  for (const c of d.counts ?? []) {
    w.tag(5, WireType.LengthDelimited).fork();
    w.tag(1, WireType.Varint).uint32(c.stackId).tag(2, WireType.Varint).uint32(c.pid).tag(3, WireType.Varint).uint32(c.tid);
    str(w, 4, c.comm);
    w.tag(5, WireType.Varint).uint64(c.count);
    w.join();
  }
  w.tag(6, WireType.LengthDelimited).fork();
  w.tag(3, WireType.Varint).uint64(d.samples ?? 0);
  w.join();
  w.join();
  return w.finish();
}

export function encodeEnded(reason: number, totalSamples = 0): Uint8Array {
  const w = new BinaryWriter();
  w.tag(3, WireType.LengthDelimited).fork();
  w.tag(1, WireType.Varint).int32(reason).tag(2, WireType.Varint).uint64(totalSamples);
  w.join();
  return w.finish();
}

const envInt = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : fallback;
};

/** The events of one scenario, in order; 'pause' = wait a moment (a sampler interval). */
export function* encodeScenario(name: ScenarioName, stopped: () => boolean): Generator<Uint8Array | 'pause'> {
  yield encodeStarted(`hostile-${name}`);
  const now = Date.now();
  const one = (counts: RawCount[], extra: Partial<RawDelta> = {}): Uint8Array =>
    encodeDelta({ seq: 0, timeMs: now, frames: [{ id: 1, name: 'main', address: '0x10' }], stacks: [{ id: 1, frameIds: [1] }], counts, ...extra });
  const row = (count: number | bigint): RawCount => ({ stackId: 1, pid: 10, tid: 10, comm: 'prog', count });
  switch (name) {
    case 'html-names': {
      const frames: RawFrame[] = HOSTILE_NAMES.map((n, i) => ({ id: i + 1, name: n, module: '/usr/lib/<b>lib</b>.so', address: `0x${(i + 1).toString(16)}0` }));
      frames.push({ id: 100, name: INVALID_UTF8, module: 'javascript:alert(1)', address: '0x1000' });
      frames.push({ id: 101, name: `long_${'x'.repeat(LONG_NAME_LENGTH)}`, address: '0x1010' });
      frames.push({ id: 102, name: 'hostile_root' });
      const leafs = frames.filter((f) => f.id !== 102);
      const stacks = leafs.map((f, i) => ({ id: i + 1, frameIds: [f.id, 102] }));
      let seq = 0;
      // Streams until the app stops it (or two minutes pass).
      for (let i = 0; i < 600 && !stopped(); i++) {
        const counts = stacks.map((s, j) => ({ stackId: s.id, pid: 1000 + j, tid: 1000 + j, comm: j === 0 ? HOSTILE_COMM : `w<${j}>`, count: 5 + j }));
        yield encodeDelta({ seq: seq++, timeMs: Date.now(), ...(i === 0 ? { frames, stacks } : {}), counts, samples: counts.reduce((a, c) => a + c.count, 0) });
        yield 'pause';
      }
      yield encodeEnded(END_STOPPED);
      return;
    }
    case 'huge-count':
      yield one([row(2n ** 63n - 1n)]);
      break;
    case 'negative-count':
      yield one([row(2n ** 64n - 1n)]);
      break;
    case 'count-overflow':
      yield one(Array.from({ length: 8200 }, (_, i) => ({ stackId: 1, pid: i + 1, tid: i + 1, comm: 'prog', count: 2 ** 40 })));
      break;
    case 'reported-overflow':
      yield one([row(1)], { samples: Number.MAX_SAFE_INTEGER });
      yield encodeDelta({ seq: 1, timeMs: now, counts: [row(1)], samples: Number.MAX_SAFE_INTEGER });
      break;
    case 'nan-time':
      yield one([row(1)], { timeMs: Number.NaN });
      break;
    case 'oversized':
      yield one([row(1)], { frames: [{ id: 1, name: 'x'.repeat(20 * 1024 * 1024), address: '0x10' }] });
      break;
    case 'many-stacks': {
      const total = envInt('HOSTILE_STACKS', 1_500_000);
      const per = 20_000;
      const pool = 2000;
      yield encodeDelta({ seq: 0, timeMs: now, frames: Array.from({ length: pool }, (_, i) => ({ id: i, name: `fn_${i}`, module: '/bin/app', address: `0x${(i * 16 + 16).toString(16)}` })) });
      let seq = 1;
      for (let start = 0; start < total; start += per) {
        const stacks: { id: number; frameIds: number[] }[] = [];
        const counts: RawCount[] = [];
        for (let id = start; id < Math.min(total, start + per); id++) {
          // Unique per id: the id's digits in base `pool`, plus a fixed root.
          stacks.push({ id, frameIds: [id % pool, Math.floor(id / pool) % pool, Math.floor(id / pool / pool) % pool, 1, 0] });
          counts.push({ stackId: id, pid: 7, tid: 7, comm: 'app', count: 1 });
        }
        yield encodeDelta({ seq: seq++, timeMs: Date.now(), stacks, counts, samples: counts.length });
      }
      yield encodeEnded(END_DURATION, total);
      return;
    }
    case 'deep-stacks': {
      const depth = 200_000;
      const frames: RawFrame[] = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `rec_${i}`, address: `0x${(i * 16 + 16).toString(16)}` }));
      const stacks = [1, 2, 3].map((id) => ({ id, frameIds: Uint32Array.from({ length: depth }, (_, j) => (j * id) % 1000) }));
      yield encodeDelta({ seq: 0, timeMs: now, frames, stacks, counts: stacks.map((s) => ({ stackId: s.id, pid: 1, tid: 1, comm: 'deep', count: 1 })), samples: 3 });
      yield encodeEnded(END_DURATION, 3);
      return;
    }
    case 'too-deep':
      yield one([row(1)], { stacks: [{ id: 1, frameIds: new Uint32Array(300_000).fill(1) }] });
      break;
    case 'many-strings': {
      const total = envInt('HOSTILE_FRAMES', 150_000);
      const per = 3000;
      const pad = 'n'.repeat(4000 - 16);
      let seq = 0;
      for (let start = 0; start < total; start += per) {
        const frames: RawFrame[] = [];
        for (let id = start; id < Math.min(total, start + per); id++) frames.push({ id, name: `${id.toString().padStart(12, '0')}${pad}`, address: '0x10' });
        yield encodeDelta({ seq: seq++, timeMs: Date.now(), frames });
      }
      yield encodeEnded(END_DURATION, 0);
      return;
    }
  }
  yield encodeEnded(END_DURATION);
}
