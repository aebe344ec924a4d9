import { describe, expect, it } from 'vitest';
import { profileFromPaths } from '../../../core/testing/fixtures';
import { PRESET_SETTINGS as PRESETS } from '../../../core/redaction';
import { redactForView } from './redaction';

const profile = profileFromPaths([
  ['main;serve;spin_verify_session_token', 30],
  ['main;serve;spin_compress_block', 50],
  ['main;/home/alice/src/log.c:write_log', 5],
]);

describe('view redaction', () => {
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
});
