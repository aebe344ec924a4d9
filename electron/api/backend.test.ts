import { describe, expect, it } from 'vitest';
import { createBackend } from './backend';
import { createMemoryServices } from '../../e2e/support/memory-services';
import type { ApiEvent } from '../../core/api';

const off = { stripPaths: false, shortenPackages: false, maskSensitive: false, hideKernel: false, anonymizeProcesses: false, structureOnly: false, patterns: [] };
const folded = Buffer.from('main;auth_check;verify_session_token 5\nmain;work 3').toString('base64');

describe('API backend', () => {
  it('validates before anything runs and reports errors as CODE: message', async () => {
    const b = createBackend(createMemoryServices(), { mode: 'browser', version: 't' });
    await expect(b.dispatch('nope', [])).rejects.toThrow(/^BAD_INPUT: /);
    await expect(b.dispatch('openCapture', [{}])).rejects.toThrow(/^BAD_INPUT: .*captureId must be a string/);
    await expect(b.dispatch('openCapture', ['missing'])).rejects.toThrow(/^NOT_FOUND: /);
    await expect(b.dispatch('checkHost', ['ssh:x'])).rejects.toThrow(/^CONNECTION_LOST: .*Connect to it first/);
  });

  it('imports, lists, opens and refuses an unconfirmed unredacted export', async () => {
    const b = createBackend(createMemoryServices(), { mode: 'browser', version: 't' });
    const s = (await b.dispatch('importProfile', [{ fileName: 'svc.folded', dataBase64: folded }])) as { id: string; samples: number };
    expect(s.samples).toBe(8);
    expect(((await b.dispatch('listCaptures', [])) as unknown[]).length).toBe(1);
    const opened = (await b.dispatch('openCapture', [s.id])) as { profile: { meta: { sampleCount: number } } };
    expect(opened.profile.meta.sampleCount).toBe(8);
    await expect(b.dispatch('exportCapture', [{ captureId: s.id, format: 'folded', redaction: off, confirmedUnredacted: false }])).rejects.toThrow(/needs your confirmation/);
    const plain = (await b.dispatch('exportCapture', [{ captureId: s.id, format: 'folded', redaction: off, confirmedUnredacted: true }])) as { dataBase64: string };
    expect(Buffer.from(plain.dataBase64, 'base64').toString()).toContain('verify_session_token');
    const red = (await b.dispatch('exportCapture', [{ captureId: s.id, format: 'folded', redaction: { ...off, maskSensitive: true }, confirmedUnredacted: false }])) as { dataBase64: string };
    expect(Buffer.from(red.dataBase64, 'base64').toString()).not.toContain('session');
    // A user pattern alone masks in the export too (it implies the mask rule, as in the view).
    const pat = (await b.dispatch('exportCapture', [{ captureId: s.id, format: 'folded', redaction: { ...off, patterns: ['^work$'] }, confirmedUnredacted: false }])) as { dataBase64: string };
    expect(Buffer.from(pat.dataBase64, 'base64').toString()).not.toMatch(/;work /);
  });

  it('turns the services questions into prompt events and answers', async () => {
    const b = createBackend(createMemoryServices({ demoHost: true }), { mode: 'browser', version: 't' });
    const events: ApiEvent[] = [];
    b.subscribe((e) => {
      events.push(e);
      if (e.type === 'prompt') void b.dispatch('answerPrompt', [{ promptId: e.prompt.promptId, accept: false, secret: '', remember: false }]);
    });
    await expect(b.dispatch('connect', ['ssh:api-prod-3'])).rejects.toThrow(/^HOST_KEY_UNKNOWN: /);
    expect(events[0]).toMatchObject({ type: 'prompt', prompt: { kind: 'host-key', fingerprint: expect.stringMatching(/^SHA256:/) } });
    await expect(b.dispatch('answerPrompt', [{ promptId: 'gone', accept: true, secret: '', remember: false }])).rejects.toThrow(/^NOT_FOUND: /);
    await b.close();
  });
});
