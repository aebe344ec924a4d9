// Turns sampler records into capture deltas (core's delta, with what the wire carries besides):
// symbolizes stacks (once per sampler stack definition and process), interns frames and stacks
// under the capture's bounds, sums counts per interval. Everything over a bound is counted in
// Overflow; memory stays bounded.
import type { DeltaCount, Frame, FrameStatus } from '../../../core/profile/types';
import { SequenceInterner } from '../../../core/profile/intern';
import type { AgentDelta, AgentDeltaFrame, AgentDeltaStack } from '../../../core/protocol/convert';
import type { Limits, Overflow, Process, SymbolizationStats } from '../../../core/protocol/generated/emberscope.generated';
import type { CountRecord, StackRecord, StatsRecord } from '../sampler/records';
import type { ResolvedFrame, Symbolizer } from '../symbolize/symbolizer';

const MAX_STRING = 2048;
const MAX_COUNT_ROWS_PER_INTERVAL = 200_000;
const MAX_RESOLVED_STACK_CACHE = 200_000;
const MAX_CONTENT_KEY_CHARS = 16 << 20;

export function zeroOverflow(): Overflow {
  return { stacks: 0, frames: 0, truncatedFrames: 0, samples: 0, messages: 0, records: 0 };
}

export function zeroSymbolization(): SymbolizationStats {
  return { symbolized: 0, noSymbols: 0, unreadable: 0, jit: 0, kernelHidden: 0 };
}

function cap(s: string, overflow: { n: number }): string {
  if (s.length <= MAX_STRING) return s;
  overflow.n++;
  return s.slice(0, MAX_STRING - 1) + '…';
}

function addStatus(s: SymbolizationStats, status: FrameStatus): void {
  switch (status) {
    case 'symbolized':
      s.symbolized++;
      break;
    case 'jit':
      s.jit++;
      break;
    case 'kernel-hidden':
      s.kernelHidden++;
      break;
    case 'unreadable':
      s.unreadable++;
      break;
    case 'no-symbols':
      s.noSymbols++;
  }
}

/** Placeholders for stacks the sampler could not record (its STATS count them as lost). */
export const LOST_USER: ResolvedFrame = { name: '[user stack lost]', module: '', buildId: '', address: '', kind: 'unknown', status: 'unreadable', mangled: '' };
export const LOST_KERNEL: ResolvedFrame = { name: '[kernel stack lost]', module: '', buildId: '', address: '', kind: 'kernel', status: 'unreadable', mangled: '' };

/**
 * A stack id that stands for a stack the sampler lost: a negative id other than "none"
 * (-14 EFAULT: no such stack; -1: not asked for), or an id no STACK record defined.
 */
function lostStack(id: number, defined: boolean): boolean {
  if (id >= 0) return !defined;
  return id !== -14 && id !== -1;
}

/** A stack definition of this interval: `gen` names its content; the record decodes its frames only when asked (a new content). */
interface StackDef {
  gen: number;
  rec: StackRecord;
}

export interface AggregatorTotals {
  samples: number;
  counted: number;
  overflow: Overflow;
  symbolization: SymbolizationStats;
  stacksTotal: number;
  stacksShallow: number;
  kernelFramesHidden: number;
}

export class Aggregator {
  private readonly userDefs = new Map<number, StackDef>();
  private readonly kernelDefs = new Map<number, StackDef>();
  private gen = 0;
  /** Content ids by stack kind (0 user, 1 kernel, 2 user build-id) and frame bytes. */
  private readonly contentIds = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>()];
  private contentBytes = 0;
  private readonly frameIds = new Map<string, number>();
  private readonly idOfFrame = new WeakMap<ResolvedFrame, number>();
  /** Stack ids by their frame ids. */
  private readonly stackIds = new SequenceInterner<number>();
  /** Stack ids by tgid, then by "user gen:kernel gen": a process's entries go at once (pid reuse, exec). */
  private readonly resolvedStacks = new Map<number, Map<string, number>>();
  private resolvedCount = 0;
  private newFrames: AgentDeltaFrame[] = [];
  private newStacks: AgentDeltaStack[] = [];
  private counts = new Map<string, { -readonly [K in keyof DeltaCount]: DeltaCount[K] }>();
  private newProcesses: Process[] = [];
  private readonly seenPids = new Set<number>();
  private interval = zeroOverflow();
  private intervalSym = zeroSymbolization();
  private overflowFrameId = 0;
  private overflowStackId = 0;
  private emptyStackFrameId = 0;
  private seq = 0;
  private readonly truncStrings = { n: 0 };
  private checkedThisInterval = new Set<number>();
  readonly totals: AggregatorTotals = {
    samples: 0,
    counted: 0,
    overflow: zeroOverflow(),
    symbolization: zeroSymbolization(),
    stacksTotal: 0,
    stacksShallow: 0,
    kernelFramesHidden: 0,
  };

  constructor(
    private readonly limits: Limits,
    private readonly sym: Symbolizer,
  ) {}

  /**
   * A stack definition. `gen` names the stack's content: the sampler redefines every stack each
   * interval, and the same content gets the same gen, so onCount finds the stack it resolved
   * in an earlier interval (resolvedStacks) instead of symbolizing and interning it again.
   */
  onStack(rec: StackRecord): void {
    const content = rec.key ?? (rec.kind === 2 ? rec.frames.map((f) => `${f.status}/${f.buildId}/${f.offsetOrIp}`).join(',') : rec.ips.join(','));
    const ids = this.contentIds[rec.kind];
    let gen = ids?.get(content);
    if (gen === undefined) {
      // Bounded in entries and in key bytes (a key is up to 8 or 32 bytes per frame): once full,
      // start over (gens are never reused, so old cache entries just age out).
      if (this.contentIds.reduce((n, m) => n + m.size, 0) >= MAX_RESOLVED_STACK_CACHE || this.contentBytes + content.length > MAX_CONTENT_KEY_CHARS) {
        for (const m of this.contentIds) m.clear();
        this.contentBytes = 0;
      }
      gen = ++this.gen;
      ids?.set(content, gen);
      this.contentBytes += content.length;
    }
    (rec.kind === 1 ? this.kernelDefs : this.userDefs).set(rec.stackId, { gen, rec });
  }

  /** A process's maps from the sampler: a new process, or a new image after exec (stacks resolved with the old maps no longer apply). */
  onMaps(tgid: number, text: string): void {
    this.sym.setMaps(tgid, text);
    this.dropResolvedFor(tgid);
  }

  onCount(rec: CountRecord): void {
    const tgid = rec.tgid;
    if (!this.seenPids.has(tgid)) {
      this.seenPids.add(tgid);
      this.sym.observe(tgid, rec.comm);
      const info = this.sym.processInfo(tgid);
      if (this.seenPids.size <= 100_000) {
        this.newProcesses.push({ pid: tgid, comm: cap(rec.comm, this.truncStrings), exe: cap(info?.exe ?? '', this.truncStrings), startTime: Number(info?.startTime ?? 0) || 0 });
      }
      this.checkedThisInterval.add(tgid);
    } else if (!this.checkedThisInterval.has(tgid)) {
      this.checkedThisInterval.add(tgid);
      if (this.sym.checkReuse(tgid)) this.dropResolvedFor(tgid);
    }
    const u = rec.userStackId >= 0 ? this.userDefs.get(rec.userStackId) : undefined;
    const k = rec.kernelStackId >= 0 ? this.kernelDefs.get(rec.kernelStackId) : undefined;
    if ((rec.userStackId >= 0 && !u) || (rec.kernelStackId >= 0 && !k)) this.interval.records++;
    const userLost = lostStack(rec.userStackId, u !== undefined);
    const kernelLost = lostStack(rec.kernelStackId, k !== undefined);
    const cacheKey = `${u?.gen ?? (userLost ? 'L' : '-')}:${k?.gen ?? (kernelLost ? 'L' : '-')}`;
    let byKey = this.resolvedStacks.get(tgid);
    let stackId = byKey?.get(cacheKey);
    if (stackId === undefined) {
      stackId = this.resolveStack(tgid, u, k, userLost, kernelLost);
      if (this.resolvedCount >= MAX_RESOLVED_STACK_CACHE) {
        this.resolvedStacks.clear();
        this.resolvedCount = 0;
        byKey = undefined;
      }
      if (!byKey) {
        byKey = new Map();
        this.resolvedStacks.set(tgid, byKey);
      }
      byKey.set(cacheKey, stackId);
      this.resolvedCount++;
    }
    if (stackId === this.overflowStackId && this.overflowStackId !== 0) this.interval.samples += rec.count;
    this.totals.counted += rec.count;
    const comm = cap(rec.comm, this.truncStrings);
    const key = `${stackId}|${tgid}|${rec.pid}|${comm}`;
    const row = this.counts.get(key);
    if (row) row.count += rec.count;
    else if (this.counts.size < MAX_COUNT_ROWS_PER_INTERVAL) this.counts.set(key, { stackId, comm, pid: tgid, tid: rec.pid, count: rec.count });
    else {
      // Over the row bound: attribute to the overflow stack, without thread detail.
      const ov = this.overflowStack();
      const okey = `${ov}|0|0|`;
      const orow = this.counts.get(okey);
      if (orow) orow.count += rec.count;
      else this.counts.set(okey, { stackId: ov, comm: '', pid: 0, tid: 0, count: rec.count });
      this.interval.samples += rec.count;
    }
  }

  private dropResolvedFor(tgid: number): void {
    const byKey = this.resolvedStacks.get(tgid);
    if (!byKey) return;
    this.resolvedCount -= byKey.size;
    this.resolvedStacks.delete(tgid);
  }

  private resolveStack(tgid: number, u: StackDef | undefined, k: StackDef | undefined, userLost: boolean, kernelLost: boolean): number {
    const frames: ResolvedFrame[] = [];
    const kr = k?.rec;
    if (kr && kr.kind === 1) frames.push(...this.sym.kernelStack(kr.ips));
    else if (kernelLost) frames.push(LOST_KERNEL);
    if (!u && userLost) frames.push(LOST_USER);
    let userDepth = 0;
    const ur = u?.rec;
    if (ur) {
      if (ur.kind === 2) {
        for (const f of ur.frames) {
          if (f.status === 0) continue;
          frames.push(f.status === 1 ? this.sym.buildIdFrame(tgid, f.buildId, f.offsetOrIp) : this.sym.user(tgid, f.offsetOrIp));
          userDepth++;
        }
      } else {
        for (const ip of ur.ips) {
          frames.push(this.sym.user(tgid, ip));
          userDepth++;
        }
      }
    }
    if (u) {
      this.totals.stacksTotal++;
      if (userDepth <= 2) this.totals.stacksShallow++;
    }
    let ids: number[];
    let truncated = false;
    if (frames.length === 0) {
      ids = [this.emptyFrame()];
    } else {
      const max = this.limits.maxFramesPerStack;
      if (frames.length > max) {
        this.interval.truncatedFrames += frames.length - max;
        truncated = true;
        frames.length = max;
      }
      ids = frames.map((f) => this.frameId(f));
    }
    const known = this.stackIds.get(ids);
    if (known !== undefined) return known;
    if (this.stackIds.size >= this.limits.maxStacks) {
      this.interval.stacks++;
      return this.overflowStack();
    }
    const id = this.stackIds.size + 1;
    this.stackIds.set(Uint32Array.from(ids), id);
    this.newStacks.push({ id, frames: ids, truncated });
    return id;
  }

  private frameId(f: ResolvedFrame): number {
    // The symbolizer hands out the same ResolvedFrame object for an ip it resolved before: its
    // id is remembered on the object, without building the content key again.
    const known = this.idOfFrame.get(f);
    if (known !== undefined) return known;
    const key = `${f.kind}\0${f.status}\0${f.module}\0${f.name}\0${f.address}\0${f.buildId}`;
    const existing = this.frameIds.get(key);
    if (existing !== undefined) {
      this.idOfFrame.set(f, existing);
      return existing;
    }
    if (this.frameIds.size >= this.limits.maxFrames) {
      this.interval.frames++;
      return this.overflowFrame();
    }
    const id = this.defineFrame(key, f);
    this.idOfFrame.set(f, id);
    return id;
  }

  private defineFrame(key: string, f: ResolvedFrame): number {
    const id = this.frameIds.size + 1;
    this.frameIds.set(key, id);
    const frame: Frame = {
      name: cap(f.name, this.truncStrings),
      module: cap(f.module, this.truncStrings),
      buildId: f.buildId.slice(0, 128),
      file: '',
      line: 0,
      address: f.address.slice(0, 20),
      kind: f.kind,
      status: f.status,
      ...(f.source ? { source: f.source } : {}),
      ...(f.why ? { unnamed: f.why } : {}),
    };
    addStatus(this.intervalSym, frame.status);
    addStatus(this.totals.symbolization, frame.status);
    if (frame.status === 'kernel-hidden') this.totals.kernelFramesHidden++;
    this.newFrames.push({ id, frame, mangled: cap(f.mangled, this.truncStrings) });
    return id;
  }

  private special(name: string): ResolvedFrame {
    return { name, module: '', buildId: '', address: '', kind: 'unknown', status: 'no-symbols', mangled: '' };
  }

  private overflowFrame(): number {
    if (this.overflowFrameId === 0) this.overflowFrameId = this.defineFrame('\0overflow-frame', this.special('[frame limit reached]'));
    return this.overflowFrameId;
  }

  private emptyFrame(): number {
    if (this.emptyStackFrameId === 0) {
      const key = '\0empty';
      this.emptyStackFrameId = this.frameIds.get(key) ?? this.defineFrame(key, this.special('[no stack]'));
    }
    return this.emptyStackFrameId;
  }

  private overflowStack(): number {
    if (this.overflowStackId === 0) {
      const fid = this.frameIds.size < this.limits.maxFrames + 1 ? this.defineFrame('\0overflow-stack', this.special('[stack limit reached]')) : this.overflowFrame();
      this.overflowStackId = this.limits.maxStacks + 1;
      this.newStacks.push({ id: this.overflowStackId, frames: [fid], truncated: false });
    }
    return this.overflowStackId;
  }

  /** Closes an interval: everything new since the last call, with the sampler's stats. */
  takeDelta(stats: StatsRecord | undefined, timeMs: number): AgentDelta {
    const ov = this.interval;
    const t = this.totals.overflow;
    t.stacks += ov.stacks;
    t.frames += ov.frames;
    t.truncatedFrames += ov.truncatedFrames;
    t.samples += ov.samples;
    t.records += ov.records;
    if (stats) this.totals.samples += stats.samples;
    const delta: AgentDelta = {
      seq: this.seq++,
      timeMs,
      newFrames: this.newFrames,
      newStacks: this.newStacks,
      counts: [...this.counts.values()],
      stats: {
        samples: stats?.samples ?? 0,
        lost: {
          mapFull: stats?.lostMapFull ?? 0,
          userStackErrors: stats?.lostUserStack ?? 0,
          kernelStackErrors: stats?.lostKernelStack ?? 0,
          other: stats?.lostOther ?? 0,
        },
      },
      facts: {
        interval: stats?.interval ?? 0,
        monoNs: stats ? Number(stats.monoNs) : 0,
        overflow: ov,
        symbolization: this.intervalSym,
      },
      processes: this.newProcesses,
    };
    this.newFrames = [];
    this.newStacks = [];
    this.counts = new Map();
    this.newProcesses = [];
    this.interval = zeroOverflow();
    this.intervalSym = zeroSymbolization();
    this.checkedThisInterval = new Set();
    return delta;
  }

  /** Records a message split in the totals (the session splits big deltas). */
  noteSplit(n: number): void {
    this.totals.overflow.messages += n;
  }

  get truncatedStrings(): number {
    return this.truncStrings.n;
  }
}
