import { describe, expect, it } from 'vitest';
import { EmberError } from '../errors';
import { ProfileBuilder } from '../profile/builder';
import { makeFrame, NO_LOST } from '../profile/types';
import { profileFromPaths, pathOf } from '../testing/fixtures';
import { fromFolded, toFolded } from './folded';

function badInput(text: string): string {
  try {
    fromFolded(text);
  } catch (e) {
    expect(e).toBeInstanceOf(EmberError);
    expect((e as EmberError).code).toBe('BAD_INPUT');
    return (e as EmberError).message;
  }
  throw new Error('expected an error');
}

describe('folded export', () => {
  it('writes root-first paths with counts, merged and sorted', () => {
    const p = profileFromPaths([['main;b', 2], ['main;a;x', 3], ['main;b', 4]], { x: { kind: 'kernel' } });
    expect(toFolded(p)).toBe('main;a;x_[k] 3\nmain;b 6\n');
    expect(toFolded(p, { annotateKinds: false })).toBe('main;a;x 3\nmain;b 6\n');
  });

  it('escapes ; backslashes and line breaks in names', () => {
    const p = profileFromPaths([['main', 1]], {});
    const b = new ProfileBuilder();
    b.apply({
      newFrames: [{ id: 0, frame: makeFrame('we;ird\\name\nwith break\r') }, { id: 1, frame: makeFrame('main') }],
      newStacks: [{ id: 0, frames: [0, 1] }],
      counts: [{ stackId: 0, comm: 'a;b', pid: 1, tid: 1, count: 7 }],
      stats: { samples: 7, lost: NO_LOST },
    });
    const text = toFolded(b.snapshot());
    expect(text).toBe('main;we\\;ird\\\\name\\nwith break\\r 7\n');
    expect(text.split('\n')).toHaveLength(2);
    const back = fromFolded(text);
    expect(back.frames.map((f) => f.name).sort()).toEqual(['main', 'we;ird\\name\nwith break\r']);
    expect(toFolded(b.snapshot(), { byProcess: true })).toBe('a\\;b;main;we\\;ird\\\\name\\nwith break\\r 7\n');
    expect(p.frames).toHaveLength(1);
  });
});

describe('folded import', () => {
  it('reads stacks, kind suffixes, CRLF and blank lines', () => {
    const p = fromFolded('main;read_k_[k] 2\r\n\nmain;render_[j] 3\nmain;read_k_[k] 1\nC:\\x\\y.dll 1\n');
    expect(p.samples.map((s) => [pathOf(p, s.stack), s.count])).toEqual([
      ['main;read_k', 3],
      ['main;render', 3],
      ['C:\\x\\y.dll', 1],
    ]);
    expect(p.frames.find((f) => f.name === 'read_k')?.kind).toBe('kernel');
    expect(p.frames.find((f) => f.name === 'render')).toMatchObject({ kind: 'jit', status: 'jit' });
    expect(p.meta.sampleCount).toBe(7);
  });

  it('round-trips an exported profile', () => {
    const p = profileFromPaths([['main;run;std::vector<int>::push_back(int const&)', 5], ['main;idle', 1]], { idle: { kind: 'kernel' } });
    const back = fromFolded(toFolded(p));
    expect(toFolded(back)).toBe(toFolded(p));
  });

  it.each([
    ['main;f', /line 1: expected "frame;frame;... count"/],
    ['main;f 12\nmain;g x12', /line 2: the count "x12" is not a whole number/],
    ['main;f 1.5', /line 1: the count "1.5"/],
    ['main;f -3', /line 1: the count "-3"/],
    ['main;;f 1', /line 1: frame 2 is empty/],
    ['main;f; 1', /line 1: frame 3 is empty/],
    ['\n\n   7', /line 3: the stack before the count is empty/],
    ['a 99999999999999999999', /line 1: the count 99999999999999999999 is larger/],
  ])('rejects %j with a line-numbered error', (text, message) => {
    expect(badInput(text)).toMatch(message);
  });

  it('refuses oversized input and enforces limits', () => {
    expect(() => fromFolded('a 1\n', { maxChars: 2 })).toThrowError(/more than the 2 accepted/);
    expect(() => fromFolded('a 1\nb 1\nc 1\n', { limits: { maxStacks: 2 } })).toThrowError(/line 3: more than 2 distinct stacks/);
  });
});
