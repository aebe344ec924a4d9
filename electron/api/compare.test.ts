import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createBackend } from './backend';
import { createMemoryServices } from '../../e2e/support/memory-services';
import type { OpenedComparison } from '../../core/api';

const off = { stripPaths: false, shortenPackages: false, maskSensitive: false, hideKernel: false, anonymizeProcesses: false, structureOnly: false, patterns: [] };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('API: compareCaptures and exportComparison', () => {
  it('opens a base and a target, refuses one capture twice and "previous" for an import', async () => {
    const b = createBackend(createMemoryServices(), { mode: 'browser', version: 't' });
    const base = (await b.dispatch('importProfile', [{ fileName: 'before.folded', dataBase64: b64('main;verify_session_token 5\nmain;work 3') }])) as { id: string };
    const target = (await b.dispatch('importProfile', [{ fileName: 'after.folded', dataBase64: b64('main;verify_session_token 1\nmain;work 9') }])) as { id: string };
    const opened = (await b.dispatch('compareCaptures', [{ baseId: base.id, targetId: target.id }])) as OpenedComparison;
    expect(opened.base.profile.meta.sampleCount).toBe(8);
    expect(opened.target.profile.meta.sampleCount).toBe(10);
    await expect(b.dispatch('compareCaptures', [{ baseId: target.id, targetId: target.id }])).rejects.toThrow(/^BAD_INPUT: Choose two different captures/);
    await expect(b.dispatch('compareCaptures', [{ baseId: null, targetId: target.id }])).rejects.toThrow(/^NOT_FOUND: .*imported file/);
    await expect(b.dispatch('compareCaptures', [{ baseId: 'x', targetId: target.id, extra: 1 }])).rejects.toThrow(/^BAD_INPUT: .*extra is not expected/);
    await expect(b.dispatch('compareCaptures', [{ baseId: '../x', targetId: target.id }])).rejects.toThrow(/^BAD_INPUT: .*baseId has an unexpected form/);

    const request = { baseId: base.id, targetId: target.id, redaction: off, confirmedUnredacted: false };
    await expect(b.dispatch('exportComparison', [request])).rejects.toThrow(/needs your confirmation/);
    const plain = (await b.dispatch('exportComparison', [{ ...request, confirmedUnredacted: true }])) as { fileName: string; dataBase64: string };
    expect(plain.fileName).toBe('before-vs-after.diff.pb.gz');
    const plainBytes = gunzipSync(Buffer.from(plain.dataBase64, 'base64'));
    expect(plainBytes.includes(Buffer.from('verify_session_token'))).toBe(true);
    expect(plainBytes.includes(Buffer.from('pprof::base'))).toBe(true);
    const red = (await b.dispatch('exportComparison', [{ ...request, redaction: { ...off, maskSensitive: true } }])) as { dataBase64: string; redactionSummary: string };
    expect(gunzipSync(Buffer.from(red.dataBase64, 'base64')).includes(Buffer.from('session'))).toBe(false);
    expect(red.redactionSummary).toMatch(/^base: 1 function masked; target: 1 function masked$/);
  });
});
