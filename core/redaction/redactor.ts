// Applies the redaction rules to frames, profiles and capture deltas.
//
// Order: paths are stripped (1) and packages shortened (2) first; the mask (3) then looks at
// both the original string and the rewritten one, so a user pattern written against a full
// name still hits and no sensitive word can survive the rewrite; kernel frames collapse (4);
// processes are anonymized (5); structure-only (6) masks whatever is left. Free-text comments
// are dropped by every rule: nothing in them can be reasoned about.
import { EmberError } from '../errors';
import { profileFromParts } from '../profile/builder';
import { makeFrame, type CaptureDelta, type Frame, type Profile, type SampleRow } from '../profile/types';
import { MASKED, checkKey, maskedName, type MaskDomain } from './hash';
import { shortenPackages } from './packages';
import { stripEmbeddedPaths, stripPathField } from './paths';
import { compileMatcher, type SensitiveMatcher } from './patterns';
import { PRESETS, RULE_ORDER, isPreset, isRuleId, type RedactionPreset, type RedactionRuleId } from './rules';

export interface RedactionOptions {
  /** A preset, or an explicit list of rules (the list wins when both are given). */
  readonly preset?: RedactionPreset;
  readonly rules?: readonly RedactionRuleId[];
  /** HMAC key, at least 16 bytes: random per export, or the team key from the keychain. Needed by rules 3, 5 and 6. */
  readonly key?: Uint8Array;
  /** The user's regular expressions (case-insensitive), added to the default sensitive set. */
  readonly patterns?: readonly string[];
  /** Use the default sensitive words (default true). */
  readonly defaultPatterns?: boolean;
}

export interface RedactionReport {
  /** Distinct function names replaced by a keyed hash. */
  readonly functionsMasked: number;
  readonly filesMasked: number;
  readonly modulesMasked: number;
  /** Distinct strings (names, files, mappings) that lost their directories. */
  readonly pathsStripped: number;
  /** Distinct function names whose package paths were shortened. */
  readonly packagesShortened: number;
  /** Distinct kernel frames collapsed into [kernel]. */
  readonly kernelFramesHidden: number;
  /** Distinct process names and pids replaced. */
  readonly processesAnonymized: number;
  /** Distinct thread ids replaced. */
  readonly threadsAnonymized: number;
  readonly buildIdsDropped: number;
  readonly commentsDropped: number;
}

export interface RedactionResult {
  readonly profile: Profile;
  readonly report: RedactionReport;
  /** Rules applied, in order: the library's metadata records them. */
  readonly applied: readonly RedactionRuleId[];
}

export const HIDDEN_KERNEL_FRAME: Frame = Object.freeze(makeFrame('[kernel]', { kind: 'kernel', status: 'kernel-hidden' }));

/** Names Emberscope itself writes (placeholders, overflow markers): never masked. */
const OWN_PLACEHOLDER = /^\[(?:kernel|unknown|frame limit reached|stack limit reached|row limit reached)\]$/;

interface FrameOutcome {
  readonly frame: Frame;
  readonly nameMasked: boolean;
  readonly fileMasked: boolean;
  readonly moduleMasked: boolean;
  readonly pathStripped: boolean;
  readonly shortened: boolean;
  readonly kernelHidden: boolean;
  readonly buildIdDropped: boolean;
}

type Counter = { -readonly [K in keyof RedactionReport]: RedactionReport[K] };

export function resolveRules(options: RedactionOptions): RedactionRuleId[] {
  return withUserPatterns(selectedRules(options), options);
}

function selectedRules(options: RedactionOptions): RedactionRuleId[] {
  if (options.rules !== undefined) {
    for (const r of options.rules) if (!isRuleId(r)) throw new EmberError('BAD_OPTIONS', `unknown redaction rule ${JSON.stringify(r)}; rules are ${RULE_ORDER.join(', ')}`);
    return RULE_ORDER.filter((r) => options.rules?.includes(r));
  }
  const preset = options.preset ?? 'none';
  if (!isPreset(preset)) throw new EmberError('BAD_OPTIONS', `unknown redaction preset ${JSON.stringify(preset)}; presets are ${Object.keys(PRESETS).join(', ')}`);
  return [...PRESETS[preset]];
}

/** A pattern the user typed is a request to mask what it matches, whatever preset is chosen. */
function withUserPatterns(rules: RedactionRuleId[], options: RedactionOptions): RedactionRuleId[] {
  if ((options.patterns ?? []).length === 0 || rules.includes('mask-sensitive')) return rules;
  return RULE_ORDER.filter((r) => r === 'mask-sensitive' || rules.includes(r));
}

export class Redactor {
  readonly applied: readonly RedactionRuleId[];
  private readonly rules: ReadonlySet<RedactionRuleId>;
  private readonly key: Uint8Array | undefined;
  private readonly matcher: SensitiveMatcher;
  private readonly frameCache = new Map<string, FrameOutcome>();
  private readonly ids = { pid: new Map<number, number>(), tid: new Map<number, number>() };
  private readonly kernelSenderIds = new Set<number>();

  constructor(options: RedactionOptions) {
    this.applied = resolveRules(options);
    this.rules = new Set(this.applied);
    const needsKey = this.rules.has('mask-sensitive') || this.rules.has('anonymize-processes') || this.rules.has('structure-only');
    this.key = needsKey ? checkKey(options.key ?? new Uint8Array()) : undefined;
    this.matcher = compileMatcher({ useDefaults: options.defaultPatterns ?? true, userPatterns: options.patterns ?? [] });
  }

  get active(): boolean {
    return this.applied.length > 0;
  }

  redactFrame(frame: Frame): Frame {
    return this.outcome(frame).frame;
  }

  redactProfile(profile: Profile): RedactionResult {
    const count: Counter = {
      functionsMasked: 0, filesMasked: 0, modulesMasked: 0, pathsStripped: 0, packagesShortened: 0, kernelFramesHidden: 0,
      processesAnonymized: 0, threadsAnonymized: 0, buildIdsDropped: 0, commentsDropped: 0,
    };
    if (!this.active) return { profile, report: count, applied: [] };

    const distinct = { fn: new Set<string>(), file: new Set<string>(), module: new Set<string>(), paths: new Set<string>(), short: new Set<string>(), kernel: new Set<string>(), build: new Set<string>() };
    const frames = profile.frames.map((frame) => {
      const o = this.outcome(frame);
      if (o.nameMasked) distinct.fn.add(frame.name);
      if (o.fileMasked) distinct.file.add(frame.file);
      if (o.moduleMasked) distinct.module.add(frame.module);
      if (o.pathStripped) distinct.paths.add(`${frame.name}\u0000${frame.file}\u0000${frame.module}`);
      if (o.shortened) distinct.short.add(frame.name);
      if (o.kernelHidden) distinct.kernel.add(frame.name);
      if (o.buildIdDropped) distinct.build.add(frame.buildId);
      return o.frame;
    });
    count.functionsMasked = distinct.fn.size;
    count.filesMasked = distinct.file.size;
    count.modulesMasked = distinct.module.size;
    count.pathsStripped = distinct.paths.size;
    count.packagesShortened = distinct.short.size;
    count.kernelFramesHidden = distinct.kernel.size;
    count.buildIdsDropped = distinct.build.size;

    const hide = this.rules.has('hide-kernel');
    const stacks = profile.stacks.map((stack) => (hide ? collapseHidden(stack, (i) => frames[i] === HIDDEN_KERNEL_FRAME) : stack));

    const comms = new Set<string>();
    const pids = new Set<number>();
    const tids = new Set<number>();
    const samples: SampleRow[] = profile.samples.map((row) => {
      const out = this.redactRow(row);
      if (out.comm !== row.comm) comms.add(row.comm);
      if (out.pid !== row.pid) pids.add(row.pid);
      if (out.tid !== row.tid) tids.add(row.tid);
      return out;
    });
    count.processesAnonymized = comms.size + pids.size;
    count.threadsAnonymized = tids.size;
    count.commentsDropped = profile.meta.comments.length;

    const meta = profile.meta;
    const redacted = profileFromParts(
      {
        start: {
          hz: meta.hz,
          startTimeMs: meta.startTimeMs,
          endTimeMs: meta.endTimeMs,
          lost: meta.lost,
          overflow: meta.overflow,
          reportedSamples: meta.reportedSamples,
          comments: [`redacted: ${this.applied.join(', ')}`],
          ...(meta.timeline ? { timeline: meta.timeline } : {}),
        },
        frames,
        stacks,
        samples,
      },
      { maxFrames: frames.length + 2, maxStacks: stacks.length + 1, maxSampleRows: samples.length + 1, maxStackDepth: Number.MAX_SAFE_INTEGER, maxCount: Number.MAX_SAFE_INTEGER, maxStringLength: Number.MAX_SAFE_INTEGER },
    );
    return { profile: redacted, report: count, applied: this.applied };
  }

  /**
   * Redacts one delta of a capture (the agent's strict mode, so names never leave the host).
   * Stateful: kernel frame ids and pid numbering carry over from earlier deltas of the capture.
   */
  redactDelta(delta: CaptureDelta): CaptureDelta {
    if (!this.active) return delta;
    const hide = this.rules.has('hide-kernel');
    const newFrames = delta.newFrames.map(({ id, frame }) => {
      const redacted = this.redactFrame(frame);
      if (hide && redacted === HIDDEN_KERNEL_FRAME) this.kernelSenderIds.add(id);
      return { id, frame: redacted };
    });
    const newStacks = delta.newStacks.map(({ id, frames }) => ({ id, frames: hide ? collapseHidden(frames, (f) => this.kernelSenderIds.has(f)) : frames }));
    const counts = delta.counts.map((c) => {
      const row = this.redactRow({ stack: c.stackId, comm: c.comm, pid: c.pid, tid: c.tid, count: c.count });
      return { stackId: c.stackId, comm: row.comm, pid: row.pid, tid: row.tid, count: c.count };
    });
    return { ...delta, newFrames, newStacks, counts };
  }

  /** Rule 5 (or 6) anonymizes the process entirely; rule 3 alone masks a process name that matches a pattern. */
  private redactRow(row: SampleRow): SampleRow {
    if (this.rules.has('anonymize-processes') || this.rules.has('structure-only')) {
      return { ...row, comm: this.mask('proc', row.comm), pid: this.renumber('pid', row.pid), tid: this.renumber('tid', row.tid) };
    }
    if (this.rules.has('mask-sensitive') && this.matcher.test(row.comm)) return { ...row, comm: this.mask('proc', row.comm) };
    return row;
  }

  /** Pids and tids become 1, 2, 3... in order of first sight (0, the idle task, stays 0). */
  private renumber(kind: 'pid' | 'tid', value: number): number {
    if (value === 0) return 0;
    const map = this.ids[kind];
    let n = map.get(value);
    if (n === undefined) {
      n = map.size + 1;
      map.set(value, n);
    }
    return n;
  }

  private mask(domain: MaskDomain, value: string): string {
    if (value === '' || MASKED.test(value) || OWN_PLACEHOLDER.test(value)) return value;
    if (this.key === undefined) throw new Error('masking without a key');
    return maskedName(this.key, domain, value);
  }

  private outcome(frame: Frame): FrameOutcome {
    const cacheKey = `${frame.kind}\u0000${frame.status}\u0000${frame.name}\u0000${frame.module}\u0000${frame.buildId}\u0000${frame.file}\u0000${frame.line}\u0000${frame.address}`;
    let o = this.frameCache.get(cacheKey);
    if (o === undefined) {
      o = this.computeOutcome(frame);
      this.frameCache.set(cacheKey, o);
    }
    return o;
  }

  private computeOutcome(frame: Frame): FrameOutcome {
    const r = this.rules;
    const none = { nameMasked: false, fileMasked: false, moduleMasked: false, pathStripped: false, shortened: false, buildIdDropped: false };
    if (r.has('hide-kernel') && frame.kind === 'kernel') return { ...none, frame: HIDDEN_KERNEL_FRAME, kernelHidden: true };

    let name = frame.name;
    let file = frame.file;
    let module = frame.module;
    let pathStripped = false;
    if (r.has('strip-paths')) {
      name = stripEmbeddedPaths(name);
      file = stripPathField(file);
      module = stripPathField(module);
      pathStripped = name !== frame.name || file !== frame.file || module !== frame.module;
    }
    let shortened = false;
    if (r.has('shorten-packages')) {
      const short = shortenPackages(name);
      shortened = short !== name;
      name = short;
    }
    // A JIT mapping is named after its process (/tmp/perf-PID.map): anonymizing processes drops it.
    if ((r.has('anonymize-processes') || r.has('structure-only')) && /(?:^|[\\/])perf-\d+\.map$/.test(module)) module = '';
    const everything = r.has('structure-only');
    const sensitive = (original: string, current: string): boolean =>
      everything || (r.has('mask-sensitive') && (this.matcher.test(original) || this.matcher.test(current)));
    const nameMasked = sensitive(frame.name, name) && !OWN_PLACEHOLDER.test(name) && !MASKED.test(name);
    if (nameMasked) name = this.mask('fn', frame.name);
    const fileMasked = file !== '' && sensitive(frame.file, file) && !MASKED.test(file);
    if (everything) file = '';
    else if (fileMasked) file = this.mask('file', frame.file);
    const moduleMasked = module !== '' && sensitive(frame.module, module) && !MASKED.test(module);
    if (moduleMasked) module = this.mask('lib', frame.module);
    let buildId = frame.buildId;
    if (everything || (r.has('mask-sensitive') && buildId !== '' && this.matcher.test(buildId))) buildId = '';
    return {
      frame: {
        name,
        module,
        buildId,
        file,
        line: everything ? 0 : frame.line,
        address: everything ? '' : frame.address,
        kind: frame.kind,
        status: frame.status,
      },
      nameMasked,
      fileMasked,
      moduleMasked,
      pathStripped,
      shortened,
      kernelHidden: false,
      buildIdDropped: buildId !== frame.buildId,
    };
  }
}

/** Replaces every run of hidden frames by its first one. */
function collapseHidden(stack: readonly number[], hidden: (frame: number) => boolean): readonly number[] {
  const out: number[] = [];
  let previousHidden = false;
  for (const f of stack) {
    const isHidden = hidden(f);
    if (!(isHidden && previousHidden)) out.push(f);
    previousHidden = isHidden;
  }
  return out.length === stack.length ? stack : out;
}

/** One-shot form: `redactProfile(profile, { preset: 'standard', key })`. */
export function redactProfile(profile: Profile, options: RedactionOptions): RedactionResult {
  return new Redactor(options).redactProfile(profile);
}
