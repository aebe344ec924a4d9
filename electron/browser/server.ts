// Browser mode (`emberscope ui`): the same console UI and the same API, served on a
// loopback-only HTTP + WebSocket server, for machines where Electron cannot run.
//
//  - Listens on 127.0.0.1 only.
//  - An unguessable token (256 bits) is in the printed URL; the page trades it for an HttpOnly,
//    SameSite=Strict cookie, and the WebSocket requires it (query or cookie) as well.
//  - DNS rebinding: the Host header must be 127.0.0.1:PORT or localhost:PORT, and an Origin,
//    when sent (always, for WebSockets), must be that same origin; otherwise 403.
//  - The same CSP and security headers as the Electron shell (electron/api/security.ts).
//  - Every WebSocket call goes through the same validation as Electron's IPC.
import { spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Services } from '../services/types';
import { createBackend, errorInfo, type Backend } from '../api/backend';
import { contentTypeOf, securityHeaders, staticFileFor } from '../api/security';
import type { WireMessage } from '../../core/api';
import { MAX_IMPORT_BASE64_CHARS, parseApiError } from '../../core/api';
import { findRendererDir } from '../renderer-dir';
import { EMBERSCOPE_VERSION } from '../../core/version';

export interface BrowserModeOptions {
  /** TCP port on 127.0.0.1 (default: any free port). */
  readonly port?: number;
  /** Open the default browser at the URL (false: `--no-open`). */
  readonly open: boolean;
  /** The app's data directory (library, app hosts, known_hosts). */
  readonly dataDir?: string;
  /** Services to serve (tests); by default created with createServices({ dataDir }). */
  readonly services?: Services;
  /** The built renderer (default: dist/renderer next to this bundle). */
  readonly rendererDir?: string;
  /** Where the URL and notes are printed (default: stdout). */
  readonly print?: (line: string) => void;
  readonly log?: (line: string) => void;
  /** Version shown in the UI. */
  readonly version?: string;
}

export interface BrowserMode {
  /** The URL to open, with the access token. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_WS_MESSAGE = MAX_IMPORT_BASE64_CHARS + 64 * 1024;

function sameSecret(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function openBrowser(url: string, log: (line: string) => void): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd as string, args as string[], { detached: true, stdio: 'ignore' });
    child.on('error', () => log(`Could not open a browser (${cmd} is missing): open the address above yourself.`));
    child.unref();
  } catch {
    log('Could not open a browser: open the address above yourself.');
  }
}

export async function startBrowserMode(options: BrowserModeOptions): Promise<BrowserMode> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const rendererDir = findRendererDir(options.rendererDir);
  const ownServices = options.services === undefined;
  let services: Services;
  if (options.services) {
    services = options.services;
  } else {
    const mod = await import('../services/index');
    services = await mod.createServices({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), log });
  }
  const backend: Backend = createBackend(services, { mode: 'browser', version: options.version ?? EMBERSCOPE_VERSION, log });
  const token = randomBytes(32).toString('base64url');
  let port = 0;
  let cookieName = 'emberscope_token';
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  let headers: Record<string, string> = {};

  const hostAllowed = (req: IncomingMessage): boolean => allowedHosts.has((req.headers.host ?? '').toLowerCase());
  const originAllowed = (req: IncomingMessage, required: boolean): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return !required;
    return allowedOrigins.has(origin.toLowerCase());
  };
  const tokenOk = (req: IncomingMessage, url: URL): boolean => sameSecret(url.searchParams.get('token'), token) || sameSecret(cookieValue(req, cookieName), token);

  const deny = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${text}\n`);
  };

  const server = createServer((req, res) => {
    void (async () => {
      if (!hostAllowed(req) || !originAllowed(req, false) || req.headers['sec-fetch-site'] === 'cross-site') {
        return deny(res, 403, 'Forbidden: Emberscope answers only its own address on this machine.');
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed.');
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      if (!tokenOk(req, url)) {
        return deny(res, 403, 'Forbidden: open the address printed by `emberscope ui` (it carries the access token).');
      }
      const rel = staticFileFor(url.pathname);
      if (rel === null) return deny(res, 404, 'Not found.');
      let body: Buffer;
      try {
        body = await readFile(join(rendererDir, rel));
      } catch {
        return deny(res, 404, 'Not found.');
      }
      const extra: Record<string, string> = {};
      if (url.searchParams.has('token')) {
        extra['Set-Cookie'] = `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      }
      res.writeHead(200, { ...headers, ...extra, 'Content-Type': contentTypeOf(rel) ?? 'application/octet-stream', 'Content-Length': String(body.length) });
      res.end(req.method === 'HEAD' ? undefined : body);
    })().catch((e: unknown) => {
      log(`browser mode: ${errorInfo(e).message}`);
      if (!res.headersSent) deny(res, 500, 'Internal error.');
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE, perMessageDeflate: false });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api' || !hostAllowed(req) || !originAllowed(req, true) || !tokenOk(req, url)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveClient(ws));
  });

  const send = (ws: WebSocket, msg: WireMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };

  const serveClient = (ws: WebSocket): void => {
    const unsubscribe = backend.subscribe((event) => send(ws, { kind: 'event', event }));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only');
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        return ws.close(1007, 'malformed JSON');
      }
      const rec = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
      const id = typeof rec.id === 'number' && Number.isSafeInteger(rec.id) && rec.id >= 0 ? rec.id : -1;
      if (id < 0) return ws.close(1008, 'request without id');
      backend.dispatch(rec.method, rec.args).then(
        (value) => send(ws, { kind: 'result', id, ok: true, value: value === undefined ? null : value }),
        (e: unknown) => {
          const error = parseApiError(e instanceof Error ? e.message : String(e)) ?? errorInfo(e);
          send(ws, { kind: 'result', id, ok: false, error });
        },
      );
    });
    ws.on('close', unsubscribe);
    ws.on('error', unsubscribe);
  };

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: '127.0.0.1', exclusive: true }, () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  cookieName = `emberscope_token_${port}`;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  headers = securityHeaders({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] });

  const url = `http://127.0.0.1:${port}/?token=${token}`;
  print(`Emberscope is running in browser mode at ${url}`);
  print('Keep this address private: it grants access to your hosts and captures. Stop with Ctrl-C.');
  if (options.open) openBrowser(url, log);

  let closed = false;
  return {
    url,
    port,
    async close() {
      if (closed) return;
      closed = true;
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await backend.close();
      if (ownServices) await services.close();
    },
  };
}
