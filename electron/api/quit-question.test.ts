import { describe, expect, it } from 'vitest';
import type { RunningCapture } from '../../core/api';
import { QUIT_STOP_ANSWER, quitQuestion } from './quit-question';

const capture = (hostLabel: string, captureId: string): RunningCapture => ({
  captureId,
  hostId: hostLabel,
  hostLabel,
  options: { hz: 99, seconds: 0, target: { kind: 'all' }, strict: false },
  startedMs: 0,
  samples: 0,
  lost: 0,
  elapsedMs: 0,
  stopping: false,
});

describe('quitQuestion', () => {
  it('names the host of one running capture and defaults to keeping it', () => {
    const q = quitQuestion([capture('web-1', 'a')]);
    expect(q.message).toBe('A capture is running on web-1.');
    expect(q.buttons[QUIT_STOP_ANSWER]).toBe('Stop the capture and quit');
    expect(q.defaultId).not.toBe(QUIT_STOP_ANSWER);
    expect(q.cancelId).not.toBe(QUIT_STOP_ANSWER);
  });

  it('counts several captures and lists each host once', () => {
    const q = quitQuestion([capture('web-1', 'a'), capture('db', 'b'), capture('web-1', 'c')]);
    expect(q.message).toBe('3 captures are running (web-1, db).');
    expect(q.buttons[QUIT_STOP_ANSWER]).toBe('Stop the captures and quit');
  });
});
