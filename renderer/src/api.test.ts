// @vitest-environment jsdom
// The WebSocket client of browser mode against a real WebSocket server on 127.0.0.1, over a real
// TCP connection. The client socket is ws's WebSocket (the browser's interface): jsdom's undici
// one fails to dispatch its events into jsdom's EventTarget under vitest. The server speaks the wire protocol of
// electron/browser/server.ts: it records every request and answers with a value of its own, with
// the `CODE: message` error a call was made to reject with, or not at all (HANG).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { API_METHODS, METHOD_ARITY, parseApiError, type ApiEvent, type EmberscopeApi, type WireMessage } from '../../core/api';
import { ApiFailure, createWebSocketApi, takeToken, toFailure } from './api';

interface Request {
  readonly id: number;
  readonly method: string;
  readonly args: unknown[];
}

let server: WebSocketServer;
let url = '';
const received: Request[] = [];
const clients = new Set<ServerSocket>();
/** A first argument the server never answers. */
const HANG = 'hang';

const resultOf = (req: Request): unknown => ({ answeredBy: 'server', method: req.method, id: req.id });

const browserWebSocket = globalThis.WebSocket;

beforeAll(async () => {
  globalThis.WebSocket = NodeWebSocket as unknown as typeof WebSocket;
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  url = `ws://127.0.0.1:${address.port}/api?token=t`;
  server.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (data) => {
      const req = JSON.parse(data.toString()) as Request;
      received.push(req);
      if (req.args[0] === HANG) return;
      const reject = typeof req.args[0] === 'string' ? parseApiError(req.args[0]) : null;
      const msg: WireMessage = reject ? { kind: 'result', id: req.id, ok: false, error: reject } : { kind: 'result', id: req.id, ok: true, value: resultOf(req) };
      ws.send(JSON.stringify(msg));
    });
  });
});

afterAll(async () => {
  globalThis.WebSocket = browserWebSocket;
  for (const c of clients) c.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function broadcast(event: ApiEvent): void {
  const msg: WireMessage = { kind: 'event', event };
  for (const c of clients) c.send(JSON.stringify(msg));
}

/** Distinct arguments for a method: nested data, so a dropped, swapped or flattened one shows. */
function argsFor(method: string): unknown[] {
  const arity = METHOD_ARITY[method as keyof typeof METHOD_ARITY];
  return Array.from({ length: arity }, (_, i) => ({ method, position: i, nested: { list: [i, `${method}-${i}`], empty: null } }));
}

type Call = (...args: unknown[]) => Promise<unknown>;
const methodOf = (api: EmberscopeApi, name: string): Call => (api as unknown as Record<string, Call>)[name] as Call;

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

  it('forwards every API method with its arguments and returns the server result', async () => {
    const api = createWebSocketApi(url);
    expect(API_METHODS.length).toBeGreaterThanOrEqual(17);
    for (const method of API_METHODS) {
      expect(typeof methodOf(api, method), method).toBe('function');
      const args = argsFor(method);
      const before = received.length;
      const value = await methodOf(api, method)(...args);
      const arrived = received.slice(before);
      expect(arrived, method).toHaveLength(1);
      expect(arrived[0], method).toMatchObject({ method, args });
      expect(value, method).toEqual(resultOf(arrived[0] as Request));
    }
    expect(new Set(received.map((r) => r.method))).toEqual(new Set(API_METHODS));
  });

  it('keeps answers apart when calls overlap', async () => {
    const api = createWebSocketApi(url);
    const values = await Promise.all(API_METHODS.map((m) => methodOf(api, m)(...argsFor(m))));
    values.forEach((v, i) => expect(v).toMatchObject({ method: API_METHODS[i] }));
  });

  it('turns a CODE: message rejection into an ApiFailure with that code', async () => {
    const api = createWebSocketApi(url);
    const failing = api.openCapture('NOT_FOUND: That capture is gone.');
    await expect(failing).rejects.toBeInstanceOf(ApiFailure);
    await expect(failing).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'That capture is gone.' });
    await expect(api.removeHost('HOST_KEY_CHANGED: The host key changed.')).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
  });

  it('delivers events and fails pending calls as DISCONNECTED when the link drops', async () => {
    const links: boolean[] = [];
    const api = createWebSocketApi(url, (up) => links.push(up));
    const events: ApiEvent[] = [];
    api.onEvent((e) => events.push(e));
    await api.listHosts();
    broadcast({ type: 'prompt-cancelled', promptId: 'p' });
    await expect.poll(() => events).toEqual([{ type: 'prompt-cancelled', promptId: 'p' }]);

    const lost = api.openCapture(HANG);
    await expect.poll(() => received.some((r) => r.args[0] === HANG)).toBe(true);
    for (const c of clients) c.terminate();
    await expect(lost).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(links).toEqual([true, false]);
  });
});
