// Profile → pprof profile.proto bytes (not gzipped: the caller compresses, core has no zlib).
import { Function as PFunction, Label, Line, Location, Mapping, Profile as PProfile, Sample, StringTable, ValueType } from 'pprof-format';
import type { Frame, Profile } from '../profile/types';
import { JIT_MAPPING, KERNEL_MAPPING, encodeFrameCodes, inferKindStatus, type KindStatus } from './frame-codes';
import { META_PREFIX, encodeMetaComment } from './meta-comment';

/** Mapping names for frames that have no file of their own. */
export { KERNEL_MAPPING, JIT_MAPPING };

export const LABEL_COMM = 'comm';
export const LABEL_PID = 'pid';
export const LABEL_TID = 'tid';

export function encodePprof(profile: Profile): Uint8Array {
  const strings = new StringTable();
  const str = (s: string): number => strings.dedup(s);
  const periodNs = profile.meta.periodNs;

  const mappings = new Map<string, Mapping>();
  const mappingFor = (frame: Frame, file: string): number => {
    if (file === '' && frame.buildId === '') return 0;
    const key = `${file}\u0000${frame.buildId}`;
    let mapping = mappings.get(key);
    if (mapping === undefined) {
      // hasFunctions on every mapping: the names are already resolved, and otherwise
      // `go tool pprof` tries to symbolize from local files of the same path (and complains).
      mapping = new Mapping({ id: mappings.size + 1, filename: str(file), buildId: str(frame.buildId), hasFunctions: true });
      mappings.set(key, mapping);
    }
    if (frame.file !== '') mapping.hasFilenames = true;
    if (frame.line > 0) mapping.hasLineNumbers = true;
    return Number(mapping.id);
  };

  const functions = new Map<string, PFunction>();
  const functionFor = (frame: Frame): number => {
    const key = `${frame.name}\u0000${frame.file}`;
    let fn = functions.get(key);
    if (fn === undefined) {
      const name = str(frame.name);
      fn = new PFunction({ id: functions.size + 1, name, systemName: name, filename: str(frame.file) });
      functions.set(key, fn);
    }
    return Number(fn.id);
  };

  const exceptions = new Map<number, KindStatus>();
  const location = profile.frames.map((frame, index) => {
    const file = frame.module !== '' ? frame.module : frame.kind === 'kernel' ? KERNEL_MAPPING : frame.kind === 'jit' ? JIT_MAPPING : '';
    const address = frame.address === '' ? 0n : BigInt(frame.address);
    const inferred = inferKindStatus(file, address, frame.name);
    if (inferred.kind !== frame.kind || inferred.status !== frame.status) exceptions.set(index, { kind: frame.kind, status: frame.status });
    return new Location({
      id: index + 1,
      mappingId: mappingFor(frame, file),
      address,
      line: [new Line({ functionId: functionFor(frame), line: frame.line })],
    });
  });

  const commKey = str(LABEL_COMM);
  const pidKey = str(LABEL_PID);
  const tidKey = str(LABEL_TID);
  // Labels are only read when encoding, so samples share one Label object per value.
  const shared = <K>(cache: Map<K, Label>, value: K, make: () => Label): Label => {
    let label = cache.get(value);
    if (label === undefined) {
      label = make();
      cache.set(value, label);
    }
    return label;
  };
  const commLabels = new Map<string, Label>();
  const pidLabels = new Map<number, Label>();
  const tidLabels = new Map<number, Label>();
  const locationIds = profile.stacks.map((stack) => stack.map((f) => f + 1));
  const sample = profile.samples.map(
    (row) =>
      new Sample({
        locationId: locationIds[row.stack] ?? [],
        value: [row.count, nanoseconds(row.count, periodNs)],
        label: [
          shared(commLabels, row.comm, () => new Label({ key: commKey, str: str(row.comm) })),
          shared(pidLabels, row.pid, () => new Label({ key: pidKey, num: row.pid })),
          shared(tidLabels, row.tid, () => new Label({ key: tidKey, num: row.tid })),
        ],
      }),
  );

  const { startTimeMs, endTimeMs } = profile.meta;
  const codes = encodeFrameCodes(exceptions);
  const comments = [...profile.meta.comments, encodeMetaComment(profile.meta), ...(codes === '' ? [] : [codes])];
  const encoded = new PProfile({
    sampleType: [new ValueType({ type: str('samples'), unit: str('count') }), new ValueType({ type: str('cpu'), unit: str('nanoseconds') })],
    sample,
    mapping: [...mappings.values()],
    location,
    function: [...functions.values()],
    stringTable: strings,
    timeNanos: BigInt(Math.round(startTimeMs)) * 1_000_000n,
    durationNanos: BigInt(Math.max(0, Math.round(endTimeMs - startTimeMs))) * 1_000_000n,
    periodType: new ValueType({ type: str('cpu'), unit: str('nanoseconds') }),
    period: periodNs,
    comment: comments.map(str),
  });
  return encoded.encode();
}

function nanoseconds(count: number, periodNs: number): number | bigint {
  const product = count * periodNs;
  return Number.isSafeInteger(product) ? product : BigInt(count) * BigInt(periodNs);
}

export { META_PREFIX };
