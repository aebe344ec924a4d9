// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { createWebSocketApi, takeToken, toFailure } from './api';

class FakeSocket {
  static last: FakeSocket | null = null;
  sent: string[] = [];
  private handlers: Record<string, ((e: unknown) => void)[]> = {};
  constructor(readonly url: string) {
    FakeSocket.last = this;
    setTimeout(() => this.fire('open', {}), 0);
  }
  addEventListener(type: string, fn: (e: unknown) => void): void {
    (this.handlers[type] ??= []).push(fn);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  fire(type: string, e: unknown): void {
    for (const fn of this.handlers[type] ?? []) fn(e);
  }
}

const original = globalThis.WebSocket;
afterEach(() => {
  globalThis.WebSocket = original;
});

describe('renderer API', () => {
  it('parses CODE: message errors, including Electron invoke wrapping', () => {
    expect(toFailure(new Error('HOST_KEY_CHANGED: The host key changed.')).code).toBe('HOST_KEY_CHANGED');
    const f = toFailure(new Error("Error invoking remote method 'emberscope:call': Error: NOT_FOUND: gone"));
    expect([f.code, f.message]).toEqual(['NOT_FOUND', 'gone']);
    expect(toFailure('weird').code).toBe('INTERNAL');
  });

  it('takes the token out of the address bar', () => {
    window.history.replaceState(null, '', '/?token=abc123&x=1');
    expect(takeToken()).toBe('abc123');
    expect(window.location.search).toBe('?x=1');
    expect(takeToken()).toBe('abc123');
  });

  it('implements every method over JSON messages and delivers events', async () => {
    globalThis.WebSocket = FakeSocket as unknown as typeof WebSocket;
    const api = createWebSocketApi('ws://127.0.0.1:1/api?token=t');
    const events: unknown[] = [];
    api.onEvent((e) => events.push(e));
    const pending = api.listCaptures();
    await new Promise((r) => setTimeout(r, 5));
    const sock = FakeSocket.last as FakeSocket;
    const req = JSON.parse(sock.sent[0] ?? '{}') as { id: number; method: string; args: unknown[] };
    expect(req.method).toBe('listCaptures');
    sock.fire('message', { data: JSON.stringify({ kind: 'result', id: req.id, ok: true, value: [] }) });
    await expect(pending).resolves.toEqual([]);

    const failing = api.openCapture('c1');
    await new Promise((r) => setTimeout(r, 5));
    const req2 = JSON.parse(sock.sent[1] ?? '{}') as { id: number };
    sock.fire('message', { data: JSON.stringify({ kind: 'result', id: req2.id, ok: false, error: { code: 'NOT_FOUND', message: 'gone' } }) });
    await expect(failing).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'gone' });

    sock.fire('message', { data: JSON.stringify({ kind: 'event', event: { type: 'prompt-cancelled', promptId: 'p' } }) });
    expect(events).toEqual([{ type: 'prompt-cancelled', promptId: 'p' }]);

    const lost = api.listHosts();
    await new Promise((r) => setTimeout(r, 5));
    sock.fire('close', {});
    await expect(lost).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });
});
