import { describe, expect, it } from 'vitest';
import { previousCaptureOf } from './compare';
import type { CaptureSummary } from './types';

const cap = (id: string, host: string, startedMs: number, source: CaptureSummary['source'] = 'capture'): CaptureSummary => ({
  id,
  title: id,
  host,
  source,
  startedMs,
  durationMs: 1000,
  samples: 10,
  lost: 0,
  interrupted: false,
  redaction: 'none',
});

describe('previousCaptureOf', () => {
  const list = [cap('a', 'web-1', 100), cap('b', 'web-2', 250), cap('c', 'web-1', 200), cap('d', 'web-1', 300), cap('e', '', 280, 'import')];
  it('is the latest earlier capture of the same host', () => {
    expect(previousCaptureOf(list, list[3] as CaptureSummary).id).toBe('c');
    expect(previousCaptureOf(list, list[2] as CaptureSummary).id).toBe('a');
  });
  it('refuses the first capture of a host and an import, in plain words', () => {
    expect(() => previousCaptureOf(list, list[0] as CaptureSummary)).toThrow(/no earlier capture of web-1/);
    expect(() => previousCaptureOf(list, list[4] as CaptureSummary)).toThrow(/imported file/);
    expect(() => previousCaptureOf(list, list[1] as CaptureSummary)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
  it('orders captures of the same start by id', () => {
    const same = [cap('x1', 'h', 5), cap('x2', 'h', 5)];
    expect(previousCaptureOf(same, same[1] as CaptureSummary).id).toBe('x1');
  });
});
