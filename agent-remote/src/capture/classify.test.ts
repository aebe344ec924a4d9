import { describe, expect, it } from 'vitest';
import { EmberError } from '../../../core/errors';
import { EndReason } from '../../../core/protocol/generated/emberscope.generated';
import { endReason, whyCaptureFailed, whyNotStarted, type SamplerOutcome } from './classify';

const clean: SamplerOutcome = {
  spawnError: undefined,
  exitCode: 0,
  signal: null,
  errorRecord: undefined,
  stderrError: undefined,
  parseError: undefined,
  sawEnd: true,
  stopping: false,
  stderrWhy: 'no output',
};

function outcome(fields: Partial<SamplerOutcome>): SamplerOutcome {
  return { ...clean, ...fields };
}

function codeAndMessage(e: EmberError | undefined): [string, string] | undefined {
  return e ? [e.code, e.message] : undefined;
}

describe('whyNotStarted', () => {
  it('names a sampler that could not be spawned', () => {
    expect(codeAndMessage(whyNotStarted(outcome({ spawnError: 'spawn setpriv ENOENT', exitCode: null })))).toEqual(['SAMPLER_FAILED', 'The sampler could not be started: spawn setpriv ENOENT']);
  });

  it("passes the sampler's own error on, its ERROR record before its stderr", () => {
    const e = whyNotStarted(outcome({ exitCode: 1, sawEnd: false, errorRecord: { code: 'NO_BTF', message: 'no BTF' }, stderrError: { code: 'EPERM', message: 'denied' } }));
    expect(codeAndMessage(e)).toEqual(['NO_BTF', 'no BTF']);
    expect(e.detail).toEqual({ sampler: 'error' });
    expect(codeAndMessage(whyNotStarted(outcome({ exitCode: 1, sawEnd: false, stderrError: { code: 'EPERM', message: 'denied' } })))).toEqual(['EPERM', 'denied']);
    expect(codeAndMessage(whyNotStarted(outcome({ exitCode: 1, errorRecord: { code: 'WHATEVER', message: '' } })))).toEqual(['SAMPLER_FAILED', 'WHATEVER']);
  });

  it('reports a broken record stream, then a stop the app asked for, then the bare exit', () => {
    const parse = new EmberError('BAD_RECORD', 'bad magic');
    expect(whyNotStarted(outcome({ exitCode: 1, parseError: parse }))).toBe(parse);
    expect(codeAndMessage(whyNotStarted(outcome({ exitCode: null, signal: 'SIGTERM', stopping: true })))).toEqual(['CANCELLED', 'The capture was stopped before the sampler started.']);
    expect(codeAndMessage(whyNotStarted(outcome({ exitCode: 3, sawEnd: false, stderrWhy: 'oops' })))).toEqual(['SAMPLER_FAILED', 'The sampler exited (3) before it started: oops']);
    expect(codeAndMessage(whyNotStarted(outcome({ exitCode: null, signal: 'SIGKILL', sawEnd: false, stderrWhy: 'no output' })))).toEqual(['SAMPLER_FAILED', 'The sampler exited (SIGKILL) before it started: no output']);
  });

  it('says in words that the seccomp filter killed the sampler (SIGSYS)', () => {
    const e = whyNotStarted(outcome({ exitCode: null, signal: 'SIGSYS', sawEnd: false, stderrWhy: 'emberscope-sampler: info: loading' }));
    expect(codeAndMessage(e)).toEqual(['SAMPLER_FAILED', 'The sampler was stopped by its seccomp filter (it made a system call outside its allowlist): emberscope-sampler: info: loading']);
    // Even when the app was stopping it: the filter, not the stop, ended it.
    expect(whyNotStarted(outcome({ exitCode: null, signal: 'SIGSYS', stopping: true })).message).toMatch(/^The sampler was stopped by its seccomp filter/);
  });
});

describe('whyCaptureFailed', () => {
  it('is undefined for a capture that ended as it should', () => {
    expect(whyCaptureFailed(clean)).toBeUndefined();
    expect(whyCaptureFailed(outcome({ sawEnd: false, stopping: true, exitCode: null, signal: 'SIGTERM' }))).toBeUndefined();
    expect(whyCaptureFailed(outcome({ sawEnd: false, exitCode: 0 }))).toBeUndefined();
    expect(whyCaptureFailed(outcome({ exitCode: 1 }))).toBeUndefined(); // its END record came first
  });

  it('reports a broken record stream before an ERROR record', () => {
    const parse = new EmberError('BAD_RECORD', 'cut short');
    expect(whyCaptureFailed(outcome({ parseError: parse, errorRecord: { code: 'EPERM', message: 'x' } }))).toBe(parse);
    expect(codeAndMessage(whyCaptureFailed(outcome({ errorRecord: { code: 'PERF_EVENT_OPEN', message: 'no events' } })))).toEqual(['PERF_EVENT_OPEN', 'no events']);
  });

  it('reports a sampler that died mid-capture by its stderr code or its exit', () => {
    expect(codeAndMessage(whyCaptureFailed(outcome({ sawEnd: false, exitCode: 1, stderrError: { code: 'EPERM', message: 'lost caps' } })))).toEqual(['EPERM', 'lost caps']);
    expect(codeAndMessage(whyCaptureFailed(outcome({ sawEnd: false, exitCode: null, signal: 'SIGSEGV', stderrWhy: 'x | y' })))).toEqual(['SAMPLER_FAILED', 'The sampler exited (SIGSEGV) during the capture: x | y']);
  });

  it('says in words that the seccomp filter killed the sampler (SIGSYS)', () => {
    const e = whyCaptureFailed(outcome({ sawEnd: false, exitCode: null, signal: 'SIGSYS', stderrWhy: 'no output' }));
    expect(codeAndMessage(e)).toEqual(['SAMPLER_FAILED', 'The sampler was stopped by its seccomp filter (it made a system call outside its allowlist): no output']);
    expect(e?.detail).toEqual({ signal: 'SIGSYS' });
  });
});

describe('endReason', () => {
  it('puts an error first, then what was asked for, then what the sampler did', () => {
    const err = new EmberError('SAMPLER_FAILED', 'x');
    expect(endReason(EndReason.END_REASON_STOPPED, err, true)).toBe(EndReason.END_REASON_ERROR);
    expect(endReason(EndReason.END_REASON_STOPPED, undefined, true)).toBe(EndReason.END_REASON_STOPPED);
    expect(endReason(EndReason.END_REASON_UNSPECIFIED, undefined, true)).toBe(EndReason.END_REASON_DURATION);
    expect(endReason(EndReason.END_REASON_UNSPECIFIED, undefined, false)).toBe(EndReason.END_REASON_SAMPLER_EXITED);
  });
});
