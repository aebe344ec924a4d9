// Conversions between the wire messages and the profile model of core/profile (pure).
import type {
  CaptureDelta as CoreDelta,
  DeltaCount,
  DeltaFrame,
  DeltaStack,
  Frame as CoreFrame,
  FrameKind as CoreFrameKind,
  FrameStatus as CoreFrameStatus,
  LostSamples as CoreLost,
  SymbolSource,
  UnnamedReason,
} from '../profile/types';
import { SYMBOL_SOURCES, UNNAMED_REASONS } from '../profile/types';
import { EmberError, type ErrorCode } from '../errors';
import {
  FrameKind,
  FrameStatus,
  type AgentError,
  type CaptureDelta,
  type Frame,
  type LostSamples,
  type Overflow,
  type Process,
  type SymbolizationStats,
} from './generated/emberscope.generated';

// Enum pairs, wire first: each conversion is a lookup both ways, with the same default.
const KINDS: readonly (readonly [FrameKind, CoreFrameKind])[] = [
  [FrameKind.FRAME_KIND_USER, 'user'],
  [FrameKind.FRAME_KIND_KERNEL, 'kernel'],
  [FrameKind.FRAME_KIND_JIT, 'jit'],
  [FrameKind.FRAME_KIND_UNSPECIFIED, 'unknown'],
];
const STATUSES: readonly (readonly [FrameStatus, CoreFrameStatus])[] = [
  [FrameStatus.FRAME_STATUS_SYMBOLIZED, 'symbolized'],
  [FrameStatus.FRAME_STATUS_JIT, 'jit'],
  [FrameStatus.FRAME_STATUS_KERNEL_HIDDEN, 'kernel-hidden'],
  [FrameStatus.FRAME_STATUS_UNREADABLE, 'unreadable'],
  [FrameStatus.FRAME_STATUS_NO_SYMBOLS, 'no-symbols'],
];
const KIND_TO_CORE = new Map(KINDS);
const KIND_FROM_CORE = new Map(KINDS.map(([wire, core]) => [core, wire]));
const STATUS_TO_CORE = new Map(STATUSES);
const STATUS_FROM_CORE = new Map(STATUSES.map(([wire, core]) => [core, wire]));

export function frameKindToCore(kind: FrameKind): CoreFrameKind {
  return KIND_TO_CORE.get(kind) ?? 'unknown';
}

export function frameKindFromCore(kind: CoreFrameKind): FrameKind {
  return KIND_FROM_CORE.get(kind) ?? FrameKind.FRAME_KIND_UNSPECIFIED;
}

/** Unknown statuses (a newer agent's) count as no-symbols. */
export function frameStatusToCore(status: FrameStatus): CoreFrameStatus {
  return STATUS_TO_CORE.get(status) ?? 'no-symbols';
}

export function frameStatusFromCore(status: CoreFrameStatus): FrameStatus {
  return STATUS_FROM_CORE.get(status) ?? FrameStatus.FRAME_STATUS_NO_SYMBOLS;
}

const SOURCES: ReadonlySet<string> = new Set(SYMBOL_SOURCES);
const REASONS: ReadonlySet<string> = new Set(UNNAMED_REASONS);

export function frameToCore(frame: Frame): CoreFrame {
  const core: CoreFrame = {
    name: frame.name,
    module: frame.module,
    buildId: frame.buildId,
    file: frame.file,
    line: frame.line,
    address: frame.address,
    kind: frameKindToCore(frame.kind),
    status: frameStatusToCore(frame.status),
  };
  // Sources and reasons a newer agent may add, unknown here, are left out (the frame stays as it is).
  const source = SOURCES.has(frame.source) ? { source: frame.source as SymbolSource } : {};
  const unnamed = REASONS.has(frame.unnamed) ? { unnamed: frame.unnamed as UnnamedReason } : {};
  return { ...core, ...source, ...unnamed };
}

export function lostToCore(lost: LostSamples | undefined): CoreLost {
  return {
    mapFull: lost?.mapFull ?? 0,
    userStackErrors: lost?.userStack ?? 0,
    kernelStackErrors: lost?.kernelStack ?? 0,
    other: lost?.other ?? 0,
  };
}

/** A wire delta as the profile model's CaptureDelta (ids stay the agent's). */
export function deltaToCore(delta: CaptureDelta): CoreDelta {
  const newFrames: DeltaFrame[] = delta.frames.map((f) => ({ id: f.id, frame: frameToCore(f) }));
  const newStacks: DeltaStack[] = delta.stacks.map((s) => ({ id: s.id, frames: s.frameIds }));
  const counts: DeltaCount[] = delta.counts.map((c) => ({
    stackId: c.stackId,
    comm: c.comm,
    pid: c.pid,
    tid: c.tid,
    count: c.count,
  }));
  const result: CoreDelta = {
    newFrames,
    newStacks,
    counts,
    stats: { samples: delta.stats?.samples ?? 0, lost: lostToCore(delta.stats?.lost) },
  };
  return delta.timeMs > 0 ? { ...result, timeMs: delta.timeMs } : result;
}

export function frameToWire(id: number, frame: CoreFrame, mangled = ''): Frame {
  return { id, ...frame, kind: frameKindFromCore(frame.kind), status: frameStatusFromCore(frame.status), mangled, source: frame.source ?? '', unnamed: frame.unnamed ?? '' };
}

export function lostToWire(lost: CoreLost): LostSamples {
  return { mapFull: lost.mapFull, userStack: lost.userStackErrors, kernelStack: lost.kernelStackErrors, other: lost.other };
}

/** A frame as the agent sends it: also the raw symbol when it differs from the name ('' in strict mode). */
export interface AgentDeltaFrame extends DeltaFrame {
  readonly mangled: string;
}

/** A stack as the agent sends it: also whether frames were cut off at the depth limit. */
export interface AgentDeltaStack extends DeltaStack {
  readonly truncated: boolean;
}

/** The sampler's facts of one interval that only the wire carries (the profile model sums them elsewhere). */
export interface IntervalFacts {
  readonly interval: number;
  readonly monoNs: number;
  readonly overflow: Overflow;
  readonly symbolization: SymbolizationStats;
}

/**
 * One interval as the agent's aggregator makes it: the profile model's delta (strict redaction
 * runs on that) plus what the wire carries besides. deltaToWire turns it into the message.
 */
export interface AgentDelta extends CoreDelta {
  readonly newFrames: readonly AgentDeltaFrame[];
  readonly newStacks: readonly AgentDeltaStack[];
  readonly seq: number;
  readonly processes: readonly Process[];
  readonly facts: IntervalFacts;
}

/** The agent's delta as the wire message (not yet split: `partial` is false). */
export function deltaToWire(delta: AgentDelta): CaptureDelta {
  return {
    seq: delta.seq,
    timeMs: delta.timeMs ?? 0,
    frames: delta.newFrames.map((f) => frameToWire(f.id, f.frame, f.mangled)),
    stacks: delta.newStacks.map((s) => ({ id: s.id, frameIds: [...s.frames], truncated: s.truncated })),
    counts: delta.counts.map((c) => ({ stackId: c.stackId, pid: c.pid, tid: c.tid, comm: c.comm, count: c.count })),
    stats: {
      interval: delta.facts.interval,
      monoNs: delta.facts.monoNs,
      samples: delta.stats.samples,
      lost: lostToWire(delta.stats.lost),
      overflow: delta.facts.overflow,
      symbolization: delta.facts.symbolization,
    },
    processes: [...delta.processes],
    partial: false,
  };
}

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_OPTIONS', 'BAD_INPUT', 'TOO_LARGE', 'HOST_UNREACHABLE', 'AUTH_FAILED', 'HOST_KEY_UNKNOWN',
  'HOST_KEY_CHANGED', 'CONNECTION_LOST', 'KEYCHAIN_UNAVAILABLE', 'ARTIFACT_MISMATCH', 'SETUP_MISSING',
  'SETUP_FAILED', 'NODE_MISSING', 'DISK_FULL', 'NO_BTF', 'EPERM', 'KERNEL_TOO_OLD', 'PERF_EVENT_OPEN',
  'FILE_CAPS_IGNORED', 'SAMPLER_FAILED', 'BAD_RECORD', 'AGENT_FAILED', 'PROTOCOL', 'CAPTURE_BUSY',
  'BLOCKER', 'NOT_FOUND', 'CANCELLED', 'INTERNAL',
]);

/** A stable code from untrusted text: known codes pass, anything else becomes `fallback`. */
export function toErrorCode(code: string, fallback: ErrorCode = 'AGENT_FAILED'): ErrorCode {
  return ERROR_CODES.has(code) ? (code as ErrorCode) : fallback;
}

export function agentErrorToEmber(error: AgentError): EmberError {
  const detail: Record<string, string> = {};
  for (const [k, v] of Object.entries(error.detail)) detail[k] = v;
  return new EmberError(toErrorCode(error.code), error.message || error.code, detail);
}

export function emberToAgentError(error: EmberError): AgentError {
  const detail: Record<string, string> = {};
  for (const [k, v] of Object.entries(error.detail ?? {})) detail[k] = String(v);
  return { code: error.code, message: error.message, detail };
}
