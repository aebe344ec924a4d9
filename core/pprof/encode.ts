// Profile → pprof profile.proto bytes (not gzipped: the caller compresses, core has no zlib).
// Written directly with a small protobuf writer: building pprof-format's message objects for
// a million samples and measuring them took seconds. `encodePprofInSteps` pauses every few
// thousand items so that a caller on a UI thread can let other work run in between.
import type { Frame, Profile } from '../profile/types';
import { JIT_MAPPING, KERNEL_MAPPING, encodeFrameCodes, inferKindStatus, type KindStatus } from './frame-codes';
import { META_PREFIX, encodeMetaComment } from './meta-comment';
import { ProtoWriter } from './proto-writer';

/** Mapping names for frames that have no file of their own. */
export { KERNEL_MAPPING, JIT_MAPPING };

export const LABEL_COMM = 'comm';
export const LABEL_PID = 'pid';
export const LABEL_TID = 'tid';
/** Start of a sample's time bucket, ms after the capture's start (`go tool pprof -tags` shows it as a duration). */
export const LABEL_ELAPSED = 'elapsed';

// profile.proto field numbers.
const PROFILE = { sampleType: 1, sample: 2, mapping: 3, location: 4, function: 5, stringTable: 6, timeNanos: 9, durationNanos: 10, periodType: 11, period: 12, comment: 13 } as const;
const VALUE_TYPE = { type: 1, unit: 2 } as const;
const SAMPLE = { locationId: 1, value: 2, label: 3 } as const;
const LABEL = { key: 1, str: 2, num: 3, numUnit: 4 } as const;
const MAPPING = { id: 1, memoryStart: 2, memoryLimit: 3, fileOffset: 4, filename: 5, buildId: 6, hasFunctions: 7, hasFilenames: 8, hasLineNumbers: 9 } as const;
const LOCATION = { id: 1, mappingId: 2, address: 3, line: 4 } as const;
const LINE = { functionId: 1, line: 2 } as const;
const FUNCTION = { id: 1, name: 2, systemName: 3, filename: 4 } as const;

/** Items (frames, samples) encoded between two pauses. */
const STEP_ITEMS = 20_000;

interface MappingEntry {
  readonly id: number;
  readonly filename: number;
  readonly buildId: number;
  /** Holds a frame that pprof may name later from a local binary (see nameableLater). */
  nameable: boolean;
  hasFilenames: boolean;
  hasLineNumbers: boolean;
}

/** What a diff export (./encode-diff.ts) changes about the sample rows. */
export interface SampleRowValues {
  /** The row's count as written (may be negative: a diff's base rows); whole numbers. */
  readonly count: (rowIndex: number) => number;
  /** The row's CPU nanoseconds as written (may be negative); whole numbers. */
  readonly nanoseconds: (rowIndex: number) => number;
  /** An extra string label of the row (pprof::base=true on a diff's base rows), or null. */
  readonly label: (rowIndex: number) => readonly [string, string] | null;
}

export function encodePprof(profile: Profile, rowValues?: SampleRowValues): Uint8Array {
  const steps = encodePprofInSteps(profile, STEP_ITEMS, rowValues);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** The encoder as a generator: it yields between steps and returns the bytes. */
export function* encodePprofInSteps(profile: Profile, stepItems = STEP_ITEMS, rowValues?: SampleRowValues): Generator<void, Uint8Array> {
  const strings = new Map<string, number>([['', 0]]);
  const str = (s: string): number => {
    let index = strings.get(s);
    if (index === undefined) {
      index = strings.size;
      strings.set(s, index);
    }
    return index;
  };
  const periodNs = profile.meta.periodNs;
  const out = new ProtoWriter(1 << 20);

  const samplesType = str('samples');
  const countUnit = str('count');
  const cpuType = str('cpu');
  const nsUnit = str('nanoseconds');
  for (const [type, unit] of [[samplesType, countUnit], [cpuType, nsUnit]] as const) valueType(out, PROFILE.sampleType, type, unit);

  // Samples first: they are most of the file, and the writer's buffer grows once for them.
  const commKey = str(LABEL_COMM);
  const pidKey = str(LABEL_PID);
  const tidKey = str(LABEL_TID);
  const timeline = profile.meta.timeline;
  const elapsedKey = timeline ? str(LABEL_ELAPSED) : 0;
  const msUnit = timeline ? str('ms') : 0;
  let done = 0;
  for (const row of profile.samples) {
    const sample = out.begin(PROFILE.sample);
    out.packedField(SAMPLE.locationId, profile.stacks[row.stack] ?? [], 1);
    const values = out.begin(SAMPLE.value);
    if (rowValues) {
      out.int64(rowValues.count(done));
      out.int64(rowValues.nanoseconds(done));
    } else {
      out.uint(row.count);
      out.bigUint(nanoseconds(row.count, periodNs));
    }
    out.end(values);
    label(out, commKey, LABEL.str, str(row.comm));
    label(out, pidKey, LABEL.num, row.pid);
    label(out, tidKey, LABEL.num, row.tid);
    if (timeline && row.bucket !== undefined) {
      const at = out.begin(SAMPLE.label);
      out.uintField(LABEL.key, elapsedKey);
      out.uintField(LABEL.num, row.bucket * timeline.bucketMs);
      out.uintField(LABEL.numUnit, msUnit);
      out.end(at);
    }
    const extra = rowValues?.label(done);
    if (extra) label(out, str(extra[0]), LABEL.str, str(extra[1]));
    out.end(sample);
    if (++done % stepItems === 0) yield;
  }

  const mappings = new Map<string, MappingEntry>();
  const mappingFor = (frame: Frame, file: string): number => {
    if (file === '' && frame.buildId === '') return 0;
    const key = `${file}\u0000${frame.buildId}`;
    let mapping = mappings.get(key);
    if (mapping === undefined) {
      mapping = { id: mappings.size + 1, filename: str(file), buildId: str(frame.buildId), nameable: false, hasFilenames: false, hasLineNumbers: false };
      mappings.set(key, mapping);
    }
    if (nameableLater(frame)) mapping.nameable = true;
    if (frame.file !== '') mapping.hasFilenames = true;
    if (frame.line > 0) mapping.hasLineNumbers = true;
    return mapping.id;
  };
  const functions = new Map<string, number>();
  const functionFor = (frame: Frame): number => {
    const key = `${frame.name}\u0000${frame.file}`;
    let id = functions.get(key);
    if (id === undefined) {
      id = functions.size + 1;
      functions.set(key, id);
      const fn = out.begin(PROFILE.function);
      const name = str(frame.name);
      out.uintField(FUNCTION.id, id);
      out.uintField(FUNCTION.name, name);
      out.uintField(FUNCTION.systemName, name);
      out.uintField(FUNCTION.filename, str(frame.file));
      out.end(fn);
    }
    return id;
  };

  const exceptions = new Map<number, KindStatus>();
  for (let index = 0; index < profile.frames.length; index++) {
    const frame = profile.frames[index] as Frame;
    const file = frame.module !== '' ? frame.module : frame.kind === 'kernel' ? KERNEL_MAPPING : frame.kind === 'jit' ? JIT_MAPPING : '';
    const address = frame.address === '' ? 0n : BigInt(frame.address);
    const inferred = inferKindStatus(file, address, frame.name);
    if (inferred.kind !== frame.kind || inferred.status !== frame.status) exceptions.set(index, { kind: frame.kind, status: frame.status });
    const mappingId = mappingFor(frame, file);
    const functionId = functionFor(frame);
    const location = out.begin(PROFILE.location);
    out.uintField(LOCATION.id, index + 1);
    out.uintField(LOCATION.mappingId, mappingId);
    out.bigUintField(LOCATION.address, address);
    const line = out.begin(LOCATION.line);
    out.uintField(LINE.functionId, functionId);
    out.uintField(LINE.line, frame.line);
    out.end(line);
    out.end(location);
    if ((index + 1) % stepItems === 0) yield;
  }

  for (const m of mappings.values()) writeMapping(out, m);

  const { startTimeMs, endTimeMs } = profile.meta;
  out.bigUintField(PROFILE.timeNanos, BigInt(Math.max(0, Math.round(startTimeMs))) * 1_000_000n);
  out.bigUintField(PROFILE.durationNanos, BigInt(Math.max(0, Math.round(endTimeMs - startTimeMs))) * 1_000_000n);
  valueType(out, PROFILE.periodType, cpuType, nsUnit);
  out.uintField(PROFILE.period, periodNs);
  const codes = encodeFrameCodes(exceptions);
  const comments = [...profile.meta.comments, encodeMetaComment(profile.meta), ...(codes === '' ? [] : [codes])];
  out.packedField(PROFILE.comment, comments.map(str));

  let written = 0;
  for (const s of strings.keys()) {
    out.stringField(PROFILE.stringTable, s);
    if (++written % stepItems === 0) yield;
  }
  return out.finish();
}

/**
 * A frame the host left unnamed that a binary of its build id can name. Its address is the ELF
 * virtual address (st_value space, what `nm` prints), not the file offset of its placeholder
 * name (agent-remote/src/symbolize/symbolizer.ts, resolveInBinary), like the addresses of named
 * frames. Unreadable frames carry a file offset instead, which pprof turns into a symbol address
 * only through a runtime mapping matched to the binary's program headers: they stay as they are.
 */
function nameableLater(frame: Frame): boolean {
  return frame.kind === 'user' && frame.status === 'no-symbols' && frame.buildId !== '' && /^0x[0-9a-f]+$/.test(frame.address);
}

const WHOLE_ADDRESS_SPACE = 0xffff_ffff_ffff_ffffn;

/**
 * As Go's runtime/pprof does, a mapping has functions only when all its locations are named;
 * otherwise pprof symbolizes all of them from a local binary, the lines written here staying as
 * the names when it finds none. Start 0, offset 0 and limit 2^64-1 say that addresses are
 * already symbol addresses (google/pprof elfexec.GetBase returns base 0 for such a mapping).
 * One mapping per binary all the same: pprof merges mappings of one build id whose sizes round
 * alike (profile/merge.go, Mapping.key), and this one's size wraps round to 0 like a named one's.
 */
function writeMapping(out: ProtoWriter, m: MappingEntry): void {
  const mapping = out.begin(PROFILE.mapping);
  out.uintField(MAPPING.id, m.id);
  if (m.nameable) out.bigUintField(MAPPING.memoryLimit, WHOLE_ADDRESS_SPACE);
  out.uintField(MAPPING.filename, m.filename);
  out.uintField(MAPPING.buildId, m.buildId);
  // pprof symbolizes a mapping only when all three are false.
  out.boolField(MAPPING.hasFunctions, !m.nameable);
  out.boolField(MAPPING.hasFilenames, m.hasFilenames && !m.nameable);
  out.boolField(MAPPING.hasLineNumbers, m.hasLineNumbers && !m.nameable);
  out.end(mapping);
}

function valueType(out: ProtoWriter, field: number, type: number, unit: number): void {
  const at = out.begin(field);
  out.uintField(VALUE_TYPE.type, type);
  out.uintField(VALUE_TYPE.unit, unit);
  out.end(at);
}

function label(out: ProtoWriter, key: number, valueField: number, value: number): void {
  const at = out.begin(SAMPLE.label);
  out.uintField(LABEL.key, key);
  out.uintField(valueField, value);
  out.end(at);
}

function nanoseconds(count: number, periodNs: number): number | bigint {
  const product = count * periodNs;
  return Number.isSafeInteger(product) ? product : BigInt(count) * BigInt(periodNs);
}

export { META_PREFIX };
