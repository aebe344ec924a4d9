// pprof profile.proto bytes → Profile. The bytes are untrusted (an imported file, a host):
// sizes are bounded, every index is checked, and any failure is EmberError('BAD_INPUT').
import { Profile as PProfile } from 'pprof-format';
import { EmberError } from '../errors';
import { profileFromParts } from '../profile/builder';
import { SequenceInterner } from '../profile/intern';
import { DEFAULT_LIMITS, type ProfileLimits } from '../profile/limits';
import { NO_OVERFLOW, type Frame, type Profile, type SampleRow, type Timeline } from '../profile/types';
import { scanTopLevel } from './scan';
import { FRAME_CODES_PREFIX, JIT_MAPPING, KERNEL_MAPPING, decodeFrameCodes, inferKindStatus } from './frame-codes';
import { decodeMetaComment, META_PREFIX } from './meta-comment';
import { LABEL_COMM, LABEL_ELAPSED, LABEL_PID, LABEL_TID } from './encode';

export interface PprofDecodeOptions {
  /** Largest input accepted, in bytes (default 256 MiB). */
  readonly maxBytes?: number;
  /** Most samples, locations (and functions), mappings and strings accepted (defaults: 5M, the frame limit, 100k, 5M). */
  readonly maxSamples?: number;
  readonly maxMappings?: number;
  readonly maxStrings?: number;
  readonly limits?: Partial<ProfileLimits>;
}

type Numeric = number | bigint;

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

function bad(message: string): never {
  throw new EmberError('BAD_INPUT', `not a valid pprof profile: ${message}`);
}

function num(value: Numeric | undefined, what: string | (() => string)): number {
  if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) return value;
  if (value === undefined) return 0;
  const n = typeof value === 'bigint' ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Number.NaN) : value;
  if (!Number.isSafeInteger(n) || n < 0) bad(`${typeof what === 'string' ? what : what()} is negative or too large (${String(value)})`);
  return n;
}

/** Nanoseconds (int64, possibly beyond 2^53) to milliseconds. */
function nanosToMs(value: Numeric, what: string): number {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  if (big < 0n || big >= 2n ** 63n) bad(`${what} is negative (${String(value)})`);
  return Number(big / 1_000_000n) + Number(big % 1_000_000n) / 1e6;
}

function hex(value: Numeric): string {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big === 0n ? '' : `0x${BigInt.asUintN(64, big).toString(16)}`;
}

export function decodePprof(bytes: Uint8Array, options: PprofDecodeOptions = {}): Profile {
  if (!(bytes instanceof Uint8Array)) throw new EmberError('BAD_INPUT', 'a pprof profile must be bytes');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > maxBytes) throw new EmberError('TOO_LARGE', `the pprof profile is ${bytes.length} bytes, more than the ${maxBytes} accepted`);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new EmberError('BAD_INPUT', 'the pprof profile is still gzip-compressed; decompress it before decoding');

  // pprof-format reads only one-byte tags: refuse what it would misread, and count before allocating.
  const counts = scanTopLevel(bytes);
  const maxFrames = { ...DEFAULT_LIMITS, ...options.limits }.maxFrames;
  const bounds: [number, number, string][] = [
    [counts.samples, options.maxSamples ?? 5_000_000, 'samples'],
    [counts.locations, maxFrames, 'locations'],
    [counts.functions, maxFrames, 'functions'],
    [counts.mappings, options.maxMappings ?? 100_000, 'mappings'],
    [counts.strings, options.maxStrings ?? 5_000_000, 'strings'],
  ];
  for (const [count, max, what] of bounds) {
    if (count > max) throw new EmberError('TOO_LARGE', `the pprof profile has ${count} ${what}, more than the ${max} accepted`);
  }

  let decoded: PProfile;
  try {
    decoded = PProfile.decode(bytes);
  } catch (e) {
    bad(e instanceof Error ? e.message : String(e));
  }
  return toProfile(decoded, options);
}

function toProfile(p: PProfile, options: PprofDecodeOptions): Profile {
  const strings = p.stringTable.strings;
  if (strings.length > 0 && strings[0] !== '') bad('the string table must start with the empty string');
  const str = (index: Numeric, what: string | (() => string)): string => {
    const s = strings[num(index, what)];
    if (s === undefined) bad(`${typeof what === 'string' ? what : what()} refers to string ${String(index)}, beyond the ${strings.length} strings of the table`);
    return s;
  };

  const comments = p.comment.map((c, i) => str(c, `comment ${i}`));
  const codesComment = comments.find((c) => c.startsWith(FRAME_CODES_PREFIX));
  const codes = codesComment === undefined ? new Map() : decodeFrameCodes(codesComment);
  const carried = comments.map(decodeMetaComment).find((m) => m !== undefined);
  const timeline = carried?.timeline;
  const userComments = comments.filter((c) => !c.startsWith(FRAME_CODES_PREFIX) && !c.startsWith(META_PREFIX));

  const countIndex = chooseCountValue(p, str);
  const periodNs = num(p.period, 'period');
  const periodIsNs = p.periodType !== undefined && str(p.periodType.unit, 'period unit') === 'nanoseconds';

  const mappings = new Map<number, { file: string; buildId: string }>();
  p.mapping.forEach((m, i) => {
    const id = num(m.id, `mapping ${i} id`);
    if (id === 0 || mappings.has(id)) bad(`mapping ${i} has id ${id}, zero or used twice`);
    const buildId = str(m.buildId, `mapping ${id} build id`);
    mappings.set(id, { file: str(m.filename, `mapping ${id} file name`), buildId: /^[0-9a-f]{1,128}$/i.test(buildId) ? buildId.toLowerCase() : '' });
  });

  const functions = new Map<number, { name: string; file: string }>();
  p.function.forEach((f, i) => {
    const id = num(f.id, `function ${i} id`);
    if (id === 0 || functions.has(id)) bad(`function ${i} has id ${id}, zero or used twice`);
    functions.set(id, { name: str(f.name, `function ${id} name`), file: str(f.filename, `function ${id} file name`) });
  });

  // Exceptions apply only to profiles laid out as we write them: one line per location.
  const useCodes = codes.size > 0 && p.location.every((l) => l.line.length <= 1);
  const frames: Frame[] = [];
  const locationFrames = new Map<number, number[]>();
  p.location.forEach((loc, i) => {
    const id = num(loc.id, `location ${i} id`);
    if (id === 0 || locationFrames.has(id)) bad(`location ${i} has id ${id}, zero or used twice`);
    const mappingId = num(loc.mappingId, `location ${id} mapping`);
    const mapping = mappings.get(mappingId);
    if (mappingId !== 0 && mapping === undefined) bad(`location ${id} refers to mapping ${mappingId}, which does not exist`);
    const address = hex(loc.address);
    const module = mapping && mapping.file !== KERNEL_MAPPING && mapping.file !== JIT_MAPPING ? mapping.file : '';
    const coded = useCodes ? codes.get(i) : undefined;
    const bigAddress = typeof loc.address === 'bigint' ? BigInt.asUintN(64, loc.address) : BigInt(loc.address);
    const infer = (name: string) => coded ?? inferKindStatus(mapping?.file ?? '', bigAddress, name);
    const indices: number[] = [];
    if (loc.line.length === 0) {
      const name = address === '' ? '[unknown]' : module === '' ? address : `${basename(module)}+${address}`;
      indices.push(frames.push({ module, buildId: mapping?.buildId ?? '', address, name, file: '', line: 0, ...infer(name) }) - 1);
    }
    // pprof lists inlined functions innermost first, which is our leaf-first order.
    loc.line.forEach((line, j) => {
      const functionId = num(line.functionId, `location ${id} line ${j} function`);
      const fn = functions.get(functionId);
      if (fn === undefined) bad(`location ${id} refers to function ${functionId}, which does not exist`);
      const lineNo = num(line.line, `location ${id} line number`);
      if (lineNo > 2 ** 32 - 1) bad(`location ${id} has line number ${lineNo}`);
      indices.push(frames.push({ module, buildId: mapping?.buildId ?? '', address, name: fn.name, file: fn.file, line: lineNo, ...infer(fn.name) }) - 1);
    });
    locationFrames.set(id, indices);
  });

  // Inlined lines multiply a stack's depth: cut while expanding, so a small hostile file
  // cannot make huge stacks, and count what was cut.
  const maxDepth = { ...DEFAULT_LIMITS, ...options.limits }.maxStackDepth;
  let truncatedFrames = 0;
  const stacks: number[][] = [];
  const stackIndex = new SequenceInterner<number>();
  const samples: SampleRow[] = [];
  p.sample.forEach((s, i) => {
    const raw = s.locationId;
    const ids = raw.every((l) => typeof l === 'number') ? (raw as number[]) : raw.map((l) => num(l, `sample ${i} location`));
    let stack = stackIndex.get(ids);
    if (stack === undefined) {
      const frameList: number[] = [];
      for (const l of ids) {
        const fs = locationFrames.get(l);
        if (fs === undefined) bad(`sample ${i} refers to location ${String(l)}, which does not exist`);
        const room = maxDepth - frameList.length;
        if (fs.length > room) truncatedFrames += fs.length - Math.max(0, room);
        for (let k = 0; k < fs.length && k < room; k++) frameList.push(fs[k] as number);
      }
      stack = stacks.push(frameList) - 1;
      stackIndex.set(ids, stack);
    }
    const value = s.value[countIndex.index];
    if (value === undefined) bad(`sample ${i} has ${s.value.length} values, fewer than its ${p.sampleType.length} sample types`);
    const amount = typeof value === 'number' && value >= 0 ? value : num(value, `sample ${i} value`);
    const count = countIndex.perPeriod ? (periodNs > 0 ? Math.round(amount / periodNs) : 0) : amount;
    let comm = '';
    let pid = 0;
    let tid = 0;
    let bucket: number | undefined;
    for (const label of s.label) {
      const key = strings[Number(label.key)];
      if (key === LABEL_COMM) comm = str(label.str, `sample ${i} label`);
      else if (key === LABEL_PID) pid = u32(label.num);
      else if (key === LABEL_TID) tid = u32(label.num);
      else if (key === LABEL_ELAPSED && timeline) bucket = bucketOf(label.num, timeline);
    }
    samples.push(bucket === undefined ? { stack, comm, pid, tid, count } : { stack, comm, pid, tid, count, bucket });
  });

  const startTimeMs = nanosToMs(p.timeNanos, 'time');
  const hz = carried?.hz ?? (periodIsNs && periodNs > 0 ? Math.round((1e9 / periodNs) * 1000) / 1000 : 0);
  return profileFromParts(
    {
      start: {
        hz,
        startTimeMs,
        endTimeMs: startTimeMs + nanosToMs(p.durationNanos, 'duration'),
        comments: userComments,
        ...(carried ? { lost: carried.lost, reportedSamples: carried.reportedSamples } : {}),
        overflow: { ...(carried?.overflow ?? NO_OVERFLOW), truncatedFrames: (carried?.overflow.truncatedFrames ?? 0) + truncatedFrames },
        ...(timeline ? { timeline } : {}),
      },
      frames,
      stacks,
      samples,
    },
    options.limits,
  );
}

/** The bucket of an `elapsed` label: undefined for a value outside the timeline (the label is untrusted). */
function bucketOf(value: Numeric, timeline: Timeline): number | undefined {
  const ms = typeof value === 'bigint' ? Number(value) : value;
  const bucket = Math.floor(ms / timeline.bucketMs);
  return Number.isSafeInteger(ms) && ms >= 0 && bucket < timeline.buckets ? bucket : undefined;
}

function u32(value: Numeric): number {
  const n = typeof value === 'bigint' ? Number(BigInt.asUintN(32, value)) : value;
  return Number.isSafeInteger(n) && n >= 0 && n <= 2 ** 32 - 1 ? n : 0;
}

/** Which sample value holds the count: samples/count, else a time to divide by the period, else the first. */
function chooseCountValue(p: PProfile, str: (i: Numeric, what: string) => string): { index: number; perPeriod: boolean } {
  if (p.sampleType.length === 0) bad('it has no sample types');
  const types = p.sampleType.map((t, i) => ({ type: str(t.type, `sample type ${i}`), unit: str(t.unit, `sample type ${i} unit`) }));
  const count = types.findIndex((t) => t.unit === 'count' && (t.type === 'samples' || t.type === 'sample'));
  if (count >= 0) return { index: count, perPeriod: false };
  const time = types.findIndex((t) => t.unit === 'nanoseconds');
  if (time >= 0) return { index: time, perPeriod: true };
  return { index: 0, perPeriod: false };
}

function basename(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}
