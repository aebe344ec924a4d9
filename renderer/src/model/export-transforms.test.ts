// The view's transforms mapped back to captured names for an export (renderer/src/model/redaction.ts).
import { describe, expect, it } from 'vitest';
import { profileFromPaths } from '../../../core/testing/fixtures';
import { applyTransforms } from '../../../core/profile';
import { NO_REDACTION } from '../../../core/redaction';
import { redactForView, transformsForExport } from './redaction';

const base = profileFromPaths([['main;serve;spin_verify_session_token', 30], ['main;serve;spin_compress_block', 50], ['main;sys_read', 5]], { sys_read: { kind: 'kernel' } });
const profile = { ...base, samples: [...base.samples, { ...base.samples[0]!, comm: 'worker', pid: 900, tid: 901, count: 7 }] };

describe('transformsForExport', () => {
  it('maps masked names, masked process names and renumbered pids back to the captured ones', () => {
    const settings = { ...NO_REDACTION, maskSensitive: true, anonymizeProcesses: true };
    const view = redactForView(profile, settings).profile;
    const masked = view.frames.find((f) => /^fn:/.test(f.name))?.name ?? '';
    const workerPid = view.samples.find((r) => r.count === 7)?.pid ?? -1;
    const workerComm = view.samples.find((r) => r.count === 7)?.comm ?? '';
    expect(masked).not.toBe('');
    expect(workerPid).not.toBe(900);
    const out = transformsForExport(profile, settings, [
      { type: 'focus-function', name: masked },
      { type: 'only-processes', pids: [workerPid] },
      { type: 'focus-subtree', path: [], comm: workerComm },
    ]);
    expect(out).toEqual({
      ok: true,
      transforms: [
        { type: 'focus-function', name: 'spin_verify_session_token' },
        { type: 'only-processes', pids: [900] },
        { type: 'focus-subtree', path: [], comm: 'worker' },
      ],
    });
    // Applied to the captured profile, they keep what the view kept.
    if (!out.ok) throw new Error('unreachable');
    const exported = applyTransforms(profile, out.transforms).profile.meta.sampleCount;
    const shown = applyTransforms(view, [{ type: 'focus-function', name: masked }, { type: 'only-processes', pids: [workerPid] }, { type: 'focus-subtree', path: [], comm: workerComm }]).profile.meta.sampleCount;
    expect(exported).toBe(7);
    expect(shown).toBe(exported);
  });

  it('refuses a shown name that stands for several captured ones, in plain words', () => {
    const two = profileFromPaths([['main;sys_read', 1], ['main;sys_write', 1]], { sys_read: { kind: 'kernel' }, sys_write: { kind: 'kernel' } });
    const settings = { ...NO_REDACTION, hideKernel: true };
    const hidden = redactForView(two, settings).profile.frames.find((f) => f.kind === 'kernel')?.name ?? '';
    const out = transformsForExport(two, settings, [{ type: 'merge-function', name: hidden }]);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.message).toMatch(/stands for 2 different names under this redaction: export without the transforms/);
    expect(transformsForExport(two, NO_REDACTION, [{ type: 'merge-function', name: 'sys_read' }])).toEqual({ ok: true, transforms: [{ type: 'merge-function', name: 'sys_read' }] });
  });
});
