// The Electron shell. Everything security-relevant is a constant or pure function in
// electron/api/security.ts (asserted by its unit test); this file only applies it:
//  - one BrowserWindow: contextIsolation, sandbox, no nodeIntegration, webSecurity (WEB_PREFERENCES)
//  - the UI from app://emberscope/ (a privileged custom scheme), never file://
//  - the strict CSP and security headers on every UI response; requests to anywhere else cancelled
//  - navigation, redirects, window.open, <webview> and permission requests denied
//  - every IPC call checked for its sender (the app's own top frame) and its shape (validate.ts)
//  - fuses for production builds: electron/api/fuses.ts
import { app, BrowserWindow, ipcMain, protocol, session, type IpcMainInvokeEvent } from 'electron';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBackend } from './api/backend';
import { IPC_CALL, IPC_EVENT } from './api/methods';
import {
  APP_HOST,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  APP_START_URL,
  WEB_PREFERENCES,
  WINDOW_OPEN_ACTION,
  contentTypeOf,
  isNavigationAllowed,
  isTrustedSender,
  permissionDecision,
  securityHeaders,
  staticFileFor,
} from './api/security';
import { findRendererDir } from './renderer-dir';
import { createServices } from './services/index';

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
app.enableSandbox();

const HEADERS = securityHeaders();

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { ...HEADERS, 'Content-Type': 'text/plain' } });
}

function hardenContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e, url) => {
      if (!isNavigationAllowed(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isNavigationAllowed(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => WINDOW_OPEN_ACTION);
  });
}

async function start(): Promise<void> {
  const rendererDir = findRendererDir(join(__dirname, '../renderer'));
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionDecision(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => permissionDecision(permission));
  // Nothing is fetched from anywhere but the app itself (the CSP says so too).
  ses.webRequest.onBeforeRequest((details, callback) => {
    const ok = details.url.startsWith(`${APP_SCHEME}://${APP_HOST}/`) || details.url.startsWith('devtools://') || details.url.startsWith('blob:');
    callback({ cancel: !ok });
  });

  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST || request.method !== 'GET') return notFound();
    const rel = staticFileFor(url.pathname);
    if (rel === null) return notFound();
    try {
      const body = await readFile(join(rendererDir, rel));
      return new Response(body, { status: 200, headers: { ...HEADERS, 'Content-Type': contentTypeOf(rel) ?? 'application/octet-stream' } });
    } catch {
      return notFound();
    }
  });

  const services = await createServices({ log: (line) => console.error(line) });
  const backend = createBackend(services, { mode: 'electron', version: app.getVersion(), log: (line) => console.error(line) });

  const win = new BrowserWindow({
    width: 1440,
    height: 920,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Emberscope',
    backgroundColor: '#f6f7f9',
    webPreferences: { ...WEB_PREFERENCES, preload: join(__dirname, 'preload.cjs') },
  });
  win.once('ready-to-show', () => win.show());

  ipcMain.handle(IPC_CALL, async (event: IpcMainInvokeEvent, method: unknown, args: unknown) => {
    const frame = event.senderFrame;
    if (event.sender !== win.webContents || !frame || !isTrustedSender(frame.url, frame === win.webContents.mainFrame)) {
      throw new Error('BAD_INPUT: This request did not come from the Emberscope window and was refused.');
    }
    return backend.dispatch(method, args);
  });
  const unsubscribe = backend.subscribe((event) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, event);
  });

  win.on('closed', () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_CALL);
    void backend.close().then(() => services.close());
  });
  await win.loadURL(APP_START_URL);
}

hardenContents();
app.on('window-all-closed', () => app.quit());
app.whenReady().then(start, (e: unknown) => {
  console.error(`Emberscope could not start: ${e instanceof Error ? e.message : String(e)}`);
  app.exit(1);
});
