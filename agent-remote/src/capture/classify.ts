// Why a capture ended badly, from what the sampler left behind (pure: facts in, EmberError out).
import { EmberError, type ErrorCode } from '../../../core/errors';
import { EndReason } from '../../../core/protocol/generated/emberscope.generated';

/** The codes a sampler's error (ERROR record or `emberscope-sampler: CODE: words` line) may carry as they are. */
export const SAMPLER_ERROR_CODES: readonly ErrorCode[] = ['NO_BTF', 'EPERM', 'KERNEL_TOO_OLD', 'PERF_EVENT_OPEN', 'FILE_CAPS_IGNORED'];

export function samplerErrorCode(code: string): ErrorCode {
  return (SAMPLER_ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'SAMPLER_FAILED';
}

export interface CodedMessage {
  readonly code: string;
  readonly message: string;
}

/** What is known when the sampler is gone. */
export interface SamplerOutcome {
  /** The sampler could not be spawned at all. */
  readonly spawnError: string | undefined;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Its ERROR record. */
  readonly errorRecord: CodedMessage | undefined;
  /** Its last stderr line with one of SAMPLER_ERROR_CODES. */
  readonly stderrError: CodedMessage | undefined;
  /** Its stdout broke the record format. */
  readonly parseError: EmberError | undefined;
  /** It wrote its END record. */
  readonly sawEnd: boolean;
  /** The agent asked it to stop (the app, the duration guard). */
  readonly stopping: boolean;
  /** In words, what its stderr said last (for messages). */
  readonly stderrWhy: string;
}

function exitWords(o: SamplerOutcome): string {
  return String(o.exitCode ?? o.signal ?? '?');
}

/** Failures that say nothing of the capture: it never ran, or the kernel killed it for a system call. */
function unrunOrKilled(o: SamplerOutcome): EmberError | undefined {
  if (o.spawnError !== undefined) return new EmberError('SAMPLER_FAILED', `The sampler could not be started: ${o.spawnError}`);
  if (o.signal === 'SIGSYS') {
    return new EmberError('SAMPLER_FAILED', `The sampler was stopped by its seccomp filter (it made a system call outside its allowlist): ${o.stderrWhy}`, { signal: 'SIGSYS' });
  }
  return undefined;
}

/** Why the sampler ended before the capture started. */
export function whyNotStarted(o: SamplerOutcome): EmberError {
  const fatal = unrunOrKilled(o);
  if (fatal) return fatal;
  const reported = o.errorRecord ?? o.stderrError;
  if (reported) return new EmberError(samplerErrorCode(reported.code), reported.message || reported.code, { sampler: 'error' });
  if (o.parseError) return o.parseError;
  if (o.stopping) return new EmberError('CANCELLED', 'The capture was stopped before the sampler started.');
  return new EmberError('SAMPLER_FAILED', `The sampler exited (${exitWords(o)}) before it started: ${o.stderrWhy}`);
}

/** Why a started capture failed, or undefined when it ended as it should (END record, asked to stop, or exit 0). */
export function whyCaptureFailed(o: SamplerOutcome): EmberError | undefined {
  const fatal = unrunOrKilled(o);
  if (fatal) return fatal;
  if (o.parseError) return o.parseError;
  if (o.errorRecord) return new EmberError(samplerErrorCode(o.errorRecord.code), o.errorRecord.message || o.errorRecord.code);
  const exitedEarly = !o.sawEnd && !o.stopping && (o.exitCode ?? 1) !== 0;
  if (!exitedEarly) return undefined;
  if (o.stderrError) return new EmberError(samplerErrorCode(o.stderrError.code), o.stderrError.message);
  return new EmberError('SAMPLER_FAILED', `The sampler exited (${exitWords(o)}) during the capture: ${o.stderrWhy}`);
}

/** The reason the ended event gives: an error wins, then what was asked for, then what the sampler did. */
export function endReason(requested: EndReason, error: EmberError | undefined, sawEnd: boolean): EndReason {
  if (error) return EndReason.END_REASON_ERROR;
  if (requested !== EndReason.END_REASON_UNSPECIFIED) return requested;
  return sawEnd ? EndReason.END_REASON_DURATION : EndReason.END_REASON_SAMPLER_EXITED;
}
