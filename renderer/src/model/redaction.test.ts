import { describe, expect, it } from 'vitest';
import { profileFromPaths } from '../../../core/testing/fixtures';
import { PRESETS, isRedactionOff, patternProblem, presetOf, redactForView, rulesOf, summarize } from './redaction';

const profile = profileFromPaths([
  ['main;serve;spin_verify_session_token', 30],
  ['main;serve;spin_compress_block', 50],
  ['main;/home/alice/src/log.c:write_log', 5],
]);

describe('view redaction', () => {
  it('maps presets to core rules', () => {
    expect(rulesOf(PRESETS.none)).toEqual([]);
    expect(rulesOf(PRESETS.standard)).toEqual(['strip-paths', 'shorten-packages', 'mask-sensitive']);
    expect(rulesOf({ ...PRESETS.none, patterns: ['x'] })).toEqual(['mask-sensitive']);
    expect(presetOf(PRESETS.strict)).toBe('strict');
    expect(presetOf({ ...PRESETS.none, hideKernel: true })).toBe('custom');
    expect(isRedactionOff(PRESETS.none)).toBe(true);
    expect(isRedactionOff({ ...PRESETS.none, patterns: ['a'] })).toBe(false);
  });

  it('leaves the profile alone when off', () => {
    const v = redactForView(profile, PRESETS.none);
    expect(v.profile).toBe(profile);
    expect(v.active).toBe(false);
  });

  it('masks sensitive names and user patterns, and counts what changed', () => {
    const v = redactForView(profile, { ...PRESETS.standard, patterns: ['compress'] });
    const names = v.profile.frames.map((f) => f.name);
    expect(names).not.toContain('spin_verify_session_token');
    expect(names).not.toContain('spin_compress_block');
    expect(names.some((n) => /^fn:[0-9a-f]{8}$/.test(n))).toBe(true);
    expect(v.summary).toMatch(/^2 functions masked, 1 path stripped/);
    // Stable while toggling: the same name masks to the same string in one window.
    const again = redactForView(profile, { ...PRESETS.standard, patterns: ['compress'] });
    expect(again.profile.frames.map((f) => f.name)).toEqual(names);
  });

  it('explains bad patterns in plain words', () => {
    expect(patternProblem('^billing_')).toBe('');
    expect(patternProblem('(a+)+')).toMatch(/repeats a group/);
    expect(patternProblem('[')).toMatch(/not a valid regular expression/);
  });

  it('summarizes counts without zeros', () => {
    const zero = { functionsMasked: 0, filesMasked: 0, modulesMasked: 0, pathsStripped: 0, packagesShortened: 0, kernelFramesHidden: 0, processesAnonymized: 0, threadsAnonymized: 0, buildIdsDropped: 0, commentsDropped: 0 };
    expect(summarize({ ...zero, functionsMasked: 23, pathsStripped: 140 })).toBe('23 functions masked, 140 paths stripped');
    expect(summarize(zero)).toBe('Nothing in this profile matched the rules');
  });
});
