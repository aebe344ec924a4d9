// The Electron shell. Every security decision is a constant or pure function in
// electron/api/security.ts, and electron/shell.ts applies them to Electron's objects (both
// tested under Node by electron/api/security.test.ts; `npm run lint` runs electronegativity):
//  - one BrowserWindow: contextIsolation, sandbox, no nodeIntegration, webSecurity (createMainWindow)
//  - the UI from app://emberscope/ (a privileged custom scheme), never file://
//  - the strict CSP and security headers on every UI response; requests to anywhere else cancelled
//  - navigation, redirects, window.open, <webview> and permission requests denied
//  - every IPC call checked for its sender (the app's own top frame) and its shape (validate.ts)
//  - fuses for production builds: electron/api/fuses.ts
import { app, BrowserWindow, dialog, ipcMain, protocol, session } from 'electron';
import { join } from 'node:path';
import { createBackend } from './api/backend';
import { QUIT_STOP_ANSWER, quitQuestion } from './api/quit-question';
import { IPC_CALL, IPC_EVENT } from '../core/api';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, APP_START_URL } from './api/security';
import { findRendererDir } from './renderer-dir';
import { appProtocolHandler, createMainWindow, hardenContents, hardenSession, ipcCallHandler } from './shell';
import { createServices } from './services/index';

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
app.enableSandbox();

async function start(): Promise<void> {
  const rendererDir = findRendererDir(join(__dirname, '../renderer'));
  hardenSession(session.defaultSession);
  protocol.handle(APP_SCHEME, appProtocolHandler(rendererDir));

  const services = await createServices({ log: (line) => console.error(line) });
  const backend = createBackend(services, { mode: 'electron', version: app.getVersion(), log: (line) => console.error(line) });

  const win = createMainWindow(BrowserWindow, join(__dirname, 'preload.cjs'));
  win.once('ready-to-show', () => win.show());

  ipcMain.handle(IPC_CALL, ipcCallHandler(win, (method, args) => backend.dispatch(method, args)));
  const unsubscribe = backend.subscribe((event) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, event);
  });

  // The services own the captures, not the window: closing it while captures run asks first,
  // and quitting stops and saves them before the window goes.
  let closing = false;
  win.on('close', (event) => {
    if (closing) return;
    event.preventDefault();
    const running = backend.running();
    if (running.length > 0 && dialog.showMessageBoxSync(win, { ...quitQuestion(running), buttons: [...quitQuestion(running).buttons] }) !== QUIT_STOP_ANSWER) return;
    closing = true;
    void backend
      .close()
      .then(() => services.close())
      .catch((e: unknown) => console.error(`Emberscope: closing the services failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => win.destroy());
  });
  win.on('closed', () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_CALL);
  });
  await win.loadURL(APP_START_URL);
}

app.on('web-contents-created', (_event, contents) => hardenContents(contents));
app.on('window-all-closed', () => app.quit());
app.whenReady().then(start, (e: unknown) => {
  console.error(`Emberscope could not start: ${e instanceof Error ? e.message : String(e)}`);
  app.exit(1);
});
