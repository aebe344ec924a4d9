// Fuzz: browser mode's WebSocket API (electron/browser/server.ts) over a real socket. Every
// frame a page could send gets one of: a close with the documented code (binary 1003, not JSON
// 1007, no request id 1008), or a result for its id that is either a value or an error with a
// stable code other than INTERNAL (BAD_INPUT for malformed calls). The server keeps answering.
// Services are the in-memory test double (no hosts), so no call reaches a real host.
// Settings (fixed seed in CI, `npm run fuzz` for a long run) come from test/fuzz.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { toErrorCode } from '../../core/protocol/convert';
import { createMemoryServices } from '../../e2e/support/memory-services';
import { fuzzParams, fuzzTimeout } from '../../test/fuzz';
import { API_METHODS } from '../api/validate';
import { startBrowserMode, type BrowserMode } from './server';

let dir = '';
let mode: BrowserMode;
let socket: WebSocket | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emberscope-ws-fuzz-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  mode = await startBrowserMode({ open: false, services: createMemoryServices(), rendererDir: dir, print: () => undefined, log: () => undefined });
});

afterAll(async () => {
  socket?.terminate();
  await mode?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<WebSocket> {
  if (socket && socket.readyState === WebSocket.OPEN) return socket;
  const token = new URL(mode.url).searchParams.get('token') ?? '';
  const ws = new WebSocket(`ws://127.0.0.1:${mode.port}/api?token=${token}`, { headers: { Origin: `http://127.0.0.1:${mode.port}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  socket = ws;
  return ws;
}

type Outcome = { kind: 'closed'; code: number } | { kind: 'result'; ok: true } | { kind: 'result'; ok: false; code: string; message: string };

/** Sends one frame; resolves with the result for `id` or the close. */
async function exchange(data: string | Buffer, id: number | undefined): Promise<Outcome> {
  const ws = await open();
  return new Promise<Outcome>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within 10 s to ${String(data).slice(0, 200)}`)), 10_000);
    const done = (o: Outcome): void => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      resolve(o);
    };
    const onMessage = (raw: Buffer): void => {
      const msg = JSON.parse(raw.toString()) as { kind: string; id?: number; ok?: boolean; error?: { code: string; message: string } };
      if (msg.kind !== 'result' || msg.id !== id) return;
      done(msg.ok ? { kind: 'result', ok: true } : { kind: 'result', ok: false, code: msg.error?.code ?? '', message: msg.error?.message ?? '' });
    };
    const onClose = (code: number): void => done({ kind: 'closed', code });
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.send(data);
  });
}

const validId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

const request = fc.record(
  {
    id: fc.oneof(fc.nat(), fc.constantFrom(-1, 1.5, '1', null, 2 ** 60)),
    method: fc.oneof(fc.constantFrom(...API_METHODS), fc.constantFrom('__proto__', 'constructor', 'onEvent', 'dispatch'), fc.string({ maxLength: 12 })),
    args: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: ['id'] },
);
const frame = fc.oneof(
  { weight: 6, arbitrary: request.map((r) => ({ text: JSON.stringify(r), id: validId(r.id) ? r.id : undefined, parsed: true })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ text: JSON.stringify(v), id: undefined as number | undefined, parsed: true })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => ({ text: `{,${s}`, id: undefined as number | undefined, parsed: false })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => ({ text: Buffer.from(b), id: undefined as number | undefined, parsed: false })) },
);

describe('browser-mode WebSocket API (fuzz)', () => {
  it('fuzz: every frame gets a documented close or a typed result, and the server keeps answering', async () => {
    await fc.assert(
      fc.asyncProperty(frame, async (f) => {
        const o = await exchange(f.text, f.id);
        if (Buffer.isBuffer(f.text)) expect(o).toEqual({ kind: 'closed', code: 1003 });
        else if (!f.parsed) expect(o).toEqual({ kind: 'closed', code: 1007 });
        else if (f.id === undefined) expect(o).toEqual({ kind: 'closed', code: 1008 });
        else if (o.kind === 'closed') throw new Error(`closed (${o.code}) on a request with an id`);
        else if (!o.ok) {
          expect(toErrorCode(o.code, 'INTERNAL')).toBe(o.code); // a stable code of core/errors
          expect(o.code).not.toBe('INTERNAL');
          expect(o.message.length).toBeGreaterThan(0);
        }
        // Still serving.
        expect(await exchange(JSON.stringify({ id: 1e9, method: 'appInfo', args: [] }), 1e9)).toEqual({ kind: 'result', ok: true });
      }),
      fuzzParams('browser-ws-frames', 200),
    );
  }, fuzzTimeout(60_000));
});
