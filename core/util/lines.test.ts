import { describe, expect, it } from 'vitest';
import { LineSplitter } from './lines';

describe('LineSplitter', () => {
  it('returns complete lines and keeps the unfinished one for the next chunk', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb')).toEqual(['a']);
    expect(s.push('c\n\nd')).toEqual(['bc', '']);
    expect(s.push('')).toEqual([]);
    expect(s.flush()).toBe('d');
    expect(s.flush()).toBe('');
  });

  it('keeps only the tail of an overlong unfinished line', () => {
    const s = new LineSplitter(4);
    expect(s.push('0123456789')).toEqual([]);
    expect(s.push('ab\n')).toEqual(['6789ab']);
  });
});
