import { describe, expect, it } from 'vitest';
import { PRESET_SETTINGS as PRESETS, isRedactionOff, patternProblem, presetOf, rulesOf, summarizeRedaction as summarize } from './settings';

describe('redaction settings', () => {
  it('maps presets to core rules', () => {
    expect(rulesOf(PRESETS.none)).toEqual([]);
    expect(rulesOf(PRESETS.standard)).toEqual(['strip-paths', 'shorten-packages', 'mask-sensitive']);
    expect(rulesOf({ ...PRESETS.none, patterns: ['x'] })).toEqual(['mask-sensitive']);
    expect(presetOf(PRESETS.strict)).toBe('strict');
    expect(presetOf({ ...PRESETS.none, hideKernel: true })).toBe('custom');
    expect(isRedactionOff(PRESETS.none)).toBe(true);
    expect(isRedactionOff({ ...PRESETS.none, patterns: ['a'] })).toBe(false);
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
