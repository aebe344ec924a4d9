// The Electron shell's security wiring, with Electron's objects passed in: electron/main.ts
// passes the real ones, electron/api/security.test.ts recording fakes (the Electron binary
// cannot run on the build machines). The decisions themselves are in electron/api/security.ts.
import type { BrowserWindowConstructorOptions } from 'electron';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  APP_HOST,
  WINDOW_OPEN_ACTION,
  contentTypeOf,
  isNavigationAllowed,
  isRequestAllowed,
  isTrustedSender,
  permissionDecision,
  securityHeaders,
  staticFileFor,
} from './api/security';

/** `new BrowserWindow(options)`: Electron's class in main.ts, a recording fake in the test. */
export type BrowserWindowClass<W> = new (options: BrowserWindowConstructorOptions) => W;

/**
 * The console's one window. The webPreferences are written out at the BrowserWindow, not
 * spread from a constant, so that a security reviewer's scanner (electronegativity, run by
 * `npm run lint`) reads each of them here. The parameter is named BrowserWindow for the same
 * reason: the scanner recognises the window by that name.
 */
export function createMainWindow<W>(BrowserWindow: BrowserWindowClass<W>, preloadPath: string): W {
  return new BrowserWindow({
    width: 1440,
    height: 920,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Emberscope',
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: true,
    },
  });
}

interface Preventable {
  preventDefault(): void;
}

/** What hardenContents uses of a WebContents. */
export interface GuardedContents {
  on(event: 'will-navigate', listener: (event: Preventable, url: string) => void): unknown;
  on(event: 'will-redirect', listener: (event: Preventable, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Preventable) => void): unknown;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
}

/** Every page stays in the app: navigation, redirects, <webview> and window.open denied. */
export function hardenContents(contents: GuardedContents): void {
  contents.on('will-navigate', (e, url) => {
    if (!isNavigationAllowed(url)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!isNavigationAllowed(url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => WINDOW_OPEN_ACTION);
}

/** What hardenSession uses of a Session. */
export interface GuardedSession {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
  readonly webRequest: {
    onBeforeRequest(listener: (details: { readonly url: string }, callback: (response: { cancel: boolean }) => void) => void): void;
  };
}

/** Permissions denied; nothing fetched from anywhere but the app itself (the CSP says so too). */
export function hardenSession(ses: GuardedSession): void {
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionDecision(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => permissionDecision(permission));
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isRequestAllowed(details.url) }));
}

/** The app:// protocol handler: the built renderer's files, with the security headers. */
export function appProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  const headers = securityHeaders();
  const notFound = (): Response => new Response('Not found', { status: 404, headers: { ...headers, 'Content-Type': 'text/plain' } });
  return async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST || request.method !== 'GET') return notFound();
    const rel = staticFileFor(url.pathname);
    if (rel === null) return notFound();
    try {
      const body = await readFile(join(rendererDir, rel));
      return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': contentTypeOf(rel) ?? 'application/octet-stream' } });
    } catch {
      return notFound();
    }
  };
}

/** What ipcCallHandler reads of an IPC invoke event. */
export interface IpcCall {
  readonly sender: unknown;
  readonly senderFrame: { readonly url: string } | null;
}

/** The IPC API handler: only the window's own top frame, on the app's origin, may call it. */
export function ipcCallHandler(
  win: { readonly webContents: { readonly mainFrame: unknown } },
  dispatch: (method: unknown, args: unknown) => Promise<unknown>,
): (event: IpcCall, method: unknown, args: unknown) => Promise<unknown> {
  return async (event, method, args) => {
    const frame = event.senderFrame;
    if (event.sender !== win.webContents || !frame || !isTrustedSender(frame.url, frame === win.webContents.mainFrame)) {
      throw new Error('BAD_INPUT: This request did not come from the Emberscope window and was refused.');
    }
    return dispatch(method, args);
  };
}
