// The one API object of the UI: the Electron preload's `window.emberscope`, or in browser mode a
// WebSocket client implementing the same EmberscopeApi against electron/browser/server.ts.
import type { ErrorCode } from '../../core/errors';
import { API_METHODS, parseApiError, type ApiEvent, type ApiMethod, type EmberscopeApi, type WireMessage } from '../../core/api';

declare global {
  interface Window {
    emberscope?: EmberscopeApi;
  }
}

/** An API failure as the UI shows it: a stable code and one line in plain words. */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    readonly code: ErrorCode | 'DISCONNECTED',
    message: string,
  ) {
    super(message);
  }
}

/** Turns whatever a call rejected with into an ApiFailure (the `CODE: message` convention). */
export function toFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  const info = parseApiError(message);
  if (info) return new ApiFailure(info.code, info.message);
  return new ApiFailure('INTERNAL', message || 'Something went wrong.');
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: ApiFailure) => void;
}

/** Reads the browser mode's token from the address (then removes it from the address bar). */
export function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem('emberscope-token', fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem('emberscope-token') ?? '';
}

export function createWebSocketApi(wsUrl: string, onConnectionChange?: (connected: boolean) => void): EmberscopeApi {
  const listeners = new Set<(event: ApiEvent) => void>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let opened: Promise<WebSocket> | null = null;

  const open = (): Promise<WebSocket> => {
    if (opened) return opened;
    opened = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(wsUrl);
      ws.addEventListener('open', () => {
        socket = ws;
        onConnectionChange?.(true);
        resolve(ws);
      });
      ws.addEventListener('message', (e: MessageEvent) => {
        if (typeof e.data !== 'string') return;
        let msg: WireMessage;
        try {
          msg = JSON.parse(e.data) as WireMessage;
        } catch {
          return;
        }
        if (msg.kind === 'event') {
          for (const l of listeners) l(msg.event);
        } else if (msg.kind === 'result') {
          const p = pending.get(msg.id);
          if (!p) return;
          pending.delete(msg.id);
          if (msg.ok) p.resolve(msg.value);
          else p.reject(new ApiFailure(msg.error.code, msg.error.message));
        }
      });
      ws.addEventListener('close', () => {
        const wasOpen = socket === ws;
        socket = null;
        opened = null;
        for (const p of pending.values()) {
          p.reject(new ApiFailure('DISCONNECTED', 'The connection to Emberscope was lost. Check that `emberscope ui` is still running, then reload the page.'));
        }
        pending.clear();
        if (wasOpen) onConnectionChange?.(false);
        else reject(new ApiFailure('DISCONNECTED', 'Could not reach Emberscope. Start it again with `emberscope ui` and open the address it prints.'));
      });
    });
    return opened;
  };

  const call = async (method: ApiMethod, args: unknown[]): Promise<unknown> => {
    const ws = await open();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, args }));
    });
  };

  const api: Record<string, unknown> = {
    onEvent(listener: (event: ApiEvent) => void) {
      listeners.add(listener);
      void open().catch(() => undefined);
      return () => listeners.delete(listener);
    },
  };
  for (const method of API_METHODS) {
    api[method] = (...args: unknown[]) => call(method, args);
  }
  return api as unknown as EmberscopeApi;
}

let instance: EmberscopeApi | null = null;

/** The API of this window: the preload's in Electron, otherwise the browser mode's WebSocket. */
export function getApi(onConnectionChange?: (connected: boolean) => void): EmberscopeApi {
  if (instance) return instance;
  if (window.emberscope) {
    instance = window.emberscope;
  } else {
    const token = takeToken();
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    instance = createWebSocketApi(`${proto}//${window.location.host}/api?token=${encodeURIComponent(token)}`, onConnectionChange);
  }
  return instance;
}

/** For tests: use this API object. */
export function setApi(api: EmberscopeApi | null): void {
  instance = api;
}
