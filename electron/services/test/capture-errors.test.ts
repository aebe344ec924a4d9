// How a capture's end is told: the agent's END error and a failed event stream, classified.
import { describe, expect, it } from 'vitest';
import { EmberError } from '../../../core/errors';
import { CaptureEnded, EndReason } from '../../../core/protocol/generated/emberscope.generated';
import { endedError, streamFailure } from '../capture';

const ended = (reason: EndReason, error?: { code: string; message: string }): CaptureEnded =>
  CaptureEnded.fromPartial({ reason, totalSamples: 10, ...(error ? { error: { ...error, detail: {} } } : {}) });

describe('capture end classification', () => {
  it("keeps the agent's own code, names an unknown one", () => {
    expect(endedError(ended(EndReason.END_REASON_DURATION))).toBeUndefined();
    expect(endedError(ended(EndReason.END_REASON_STOPPED, { code: 'EPERM', message: 'warning only' }))).toBeUndefined();
    expect(endedError(ended(EndReason.END_REASON_ERROR, { code: 'EPERM', message: 'no CAP_BPF' }))).toMatchObject({ code: 'EPERM', message: 'no CAP_BPF' });
    expect(endedError(ended(EndReason.END_REASON_ERROR, { code: 'WEIRD', message: '' }))).toMatchObject({ code: 'SAMPLER_FAILED', message: 'WEIRD: The sampler failed.' });
  });

  it('a lost channel is the agent dying when the host reported its exit, else the connection', () => {
    const lost = new EmberError('CONNECTION_LOST', 'channel closed');
    expect(streamFailure(lost, 'web-1', { code: null, signal: 'KILL' })).toMatchObject({ code: 'AGENT_FAILED', message: expect.stringContaining('killed by SIGKILL') });
    expect(streamFailure(new Error('ECONNRESET'), 'web-1', { code: 137, signal: null })).toMatchObject({ code: 'AGENT_FAILED', message: expect.stringContaining('exit status 137') });
    expect(streamFailure(new Error('ECONNRESET'), 'web-1', undefined)).toMatchObject({ code: 'CONNECTION_LOST', message: 'The connection to web-1 was lost during the capture; what was received is kept.' });
    const protocol = new EmberError('PROTOCOL', 'bad delta');
    expect(streamFailure(protocol, 'web-1', { code: 1, signal: null })).toBe(protocol);
  });
});
