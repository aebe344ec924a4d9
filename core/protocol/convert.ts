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
} from '../profile/types';
import { EmberError, type ErrorCode } from '../errors';
import {
  FrameKind,
  FrameStatus,
  type AgentError,
  type CaptureDelta,
  type Frame,
  type LostSamples,
} from './generated/emberscope.generated';

export function frameKindToCore(kind: FrameKind): CoreFrameKind {
  switch (kind) {
    case FrameKind.FRAME_KIND_USER:
      return 'user';
    case FrameKind.FRAME_KIND_KERNEL:
      return 'kernel';
    case FrameKind.FRAME_KIND_JIT:
      return 'jit';
    default:
      return 'unknown';
  }
}

export function frameKindFromCore(kind: CoreFrameKind): FrameKind {
  switch (kind) {
    case 'user':
      return FrameKind.FRAME_KIND_USER;
    case 'kernel':
      return FrameKind.FRAME_KIND_KERNEL;
    case 'jit':
      return FrameKind.FRAME_KIND_JIT;
    default:
      return FrameKind.FRAME_KIND_UNSPECIFIED;
  }
}

export function frameStatusToCore(status: FrameStatus): CoreFrameStatus {
  switch (status) {
    case FrameStatus.FRAME_STATUS_SYMBOLIZED:
      return 'symbolized';
    case FrameStatus.FRAME_STATUS_JIT:
      return 'jit';
    case FrameStatus.FRAME_STATUS_KERNEL_HIDDEN:
      return 'kernel-hidden';
    case FrameStatus.FRAME_STATUS_UNREADABLE:
      return 'unreadable';
    default:
      return 'no-symbols';
  }
}

export function frameStatusFromCore(status: CoreFrameStatus): FrameStatus {
  switch (status) {
    case 'symbolized':
      return FrameStatus.FRAME_STATUS_SYMBOLIZED;
    case 'jit':
      return FrameStatus.FRAME_STATUS_JIT;
    case 'kernel-hidden':
      return FrameStatus.FRAME_STATUS_KERNEL_HIDDEN;
    case 'unreadable':
      return FrameStatus.FRAME_STATUS_UNREADABLE;
    default:
      return FrameStatus.FRAME_STATUS_NO_SYMBOLS;
  }
}

export function frameToCore(frame: Frame): CoreFrame {
  return {
    name: frame.name,
    module: frame.module,
    buildId: frame.buildId,
    file: frame.file,
    line: frame.line,
    address: frame.address,
    kind: frameKindToCore(frame.kind),
    status: frameStatusToCore(frame.status),
  };
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
