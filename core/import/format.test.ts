import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { encodePprof } from '../pprof/encode';
import { profileFromPaths } from '../testing/fixtures';
import { DETECT_HEAD_BYTES, detectImportFormat } from './format';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const pprof = encodePprof(profileFromPaths([['main;work;hot', 3], ['main;idle', 1]]));

describe('detectImportFormat: told by content, not by name', () => {
  it('knows folded stacks, with or without a CR, after blank lines, with frames that hold spaces', () => {
    expect(detectImportFormat(text('main;work;hot 3\nmain;idle 1\n'), true)).toBe('folded');
    expect(detectImportFormat(text('\n\r\nstart_thread;operator new(unsigned long) 12\r\n'), true)).toBe('folded');
    expect(detectImportFormat(text('libc.so.6+0x2724a;main 7'), true)).toBe('folded');
  });

  it('knows pprof (it starts with a Profile field key) and gzip of either', () => {
    expect(detectImportFormat(pprof, true)).toBe('pprof');
    expect(detectImportFormat(gzipSync(pprof), true)).toBe('gzip');
    expect(detectImportFormat(gzipSync(text('main;hot 1\n')), true)).toBe('gzip');
  });

  it('a folded head cut in its first long line is still folded; text that is not folded is unknown', () => {
    const long = `${'frame;'.repeat(DETECT_HEAD_BYTES / 6 + 10)}leaf 4\n`;
    expect(detectImportFormat(text(long).subarray(0, DETECT_HEAD_BYTES), false)).toBe('folded');
    expect(detectImportFormat(text('hello world\nthis is prose\n'), true)).toBe('unknown');
    expect(detectImportFormat(text('{"nodes": []}'), true)).toBe('unknown');
    expect(detectImportFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), true)).toBe('unknown');
    expect(detectImportFormat(new Uint8Array(0), true)).toBe('unknown');
  });

  it('folded text is never taken for pprof although its first letters are valid field keys', () => {
    // 'R' is 0x52: field 10 (wire type 2) — a plausible pprof start; the line is folded.
    expect(detectImportFormat(text('R;main 5\n'), true)).toBe('folded');
  });
});
