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

  it('lists running captures and connections for a reloaded window; Disconnect and close stop and save them', async () => {
    // createMemoryServices is the scripted test double of the services (no host behind it).
    const b = createBackend(createMemoryServices({ demoHost: true }), { mode: 'browser', version: 't' });
    const events: ApiEvent[] = [];
    b.subscribe((e) => {
      events.push(e);
      if (e.type === 'prompt') void b.dispatch('answerPrompt', [{ promptId: e.prompt.promptId, accept: true, secret: '', remember: false }]);
    });
    await b.dispatch('connect', ['ssh:api-prod-3']);
    await b.dispatch('connect', ['local']);
    const options = { hz: 99, seconds: 0, target: { kind: 'all' }, strict: false };
    const { captureId } = (await b.dispatch('startCapture', ['ssh:api-prod-3', options])) as { captureId: string };
    const second = (await b.dispatch('startCapture', ['local', options])) as { captureId: string };
    expect(events.filter((e) => e.type === 'capture-started').length).toBe(2);
    await expect.poll(async () => ((await b.dispatch('listRunningCaptures', [])) as { samples: number }[])[0]?.samples ?? 0).toBeGreaterThan(0);
    const running = (await b.dispatch('listRunningCaptures', [])) as { captureId: string; hostId: string; hostLabel: string }[];
    expect(running.map((r) => [r.captureId, r.hostId, r.hostLabel])).toEqual([
      [captureId, 'ssh:api-prod-3', 'api-prod-3'],
      [second.captureId, 'local', 'local'],
    ]);
    expect(((await b.dispatch('listConnections', [])) as { hostId: string }[]).map((c) => c.hostId).sort()).toEqual(['local', 'ssh:api-prod-3']);

    await b.dispatch('disconnect', ['ssh:api-prod-3']);
    const ended = events.find((e) => e.type === 'capture-ended' && e.captureId === captureId);
    expect(ended).toMatchObject({ summary: { source: 'capture' }, error: null });
    expect(((await b.dispatch('listRunningCaptures', [])) as { captureId: string }[]).map((r) => r.captureId)).toEqual([second.captureId]);
    expect(((await b.dispatch('listConnections', [])) as { hostId: string }[]).map((c) => c.hostId)).toEqual(['local']);

    expect(b.running().length).toBe(1);
    await b.close();
    expect(b.running().length).toBe(0);
    expect(((await createBackend(createMemoryServices(), { mode: 'browser', version: 't' }).dispatch('listRunningCaptures', [])) as unknown[]).length).toBe(0);
  });
});
