// The security of the Electron shell and the browser mode, run without launching Electron (its
// binary cannot be installed on the build machines): the window options really passed to
// `new BrowserWindow`, the handlers electron/shell.ts installs called the way Electron calls
// them, the app:// protocol handler over real files, the CSP of the served page, and the
// production fuses flipped in a file laid out like an Electron binary.
import { afterEach, describe, expect, it } from 'vitest';
import type { BrowserWindowConstructorOptions } from 'electron';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import {
  APP_ORIGIN,
  APP_SCHEME_PRIVILEGES,
  APP_START_URL,
  contentSecurityPolicy,
  isNavigationAllowed,
  isTrustedSender,
  metaContentSecurityPolicy,
  permissionDecision,
  securityHeaders,
  staticFileFor,
} from './security';
import { PRODUCTION_FUSES, applyProductionFuses } from './fuses';
import { appProtocolHandler, createMainWindow, hardenContents, hardenSession, ipcCallHandler } from '../shell';

const directives = (csp: string): Map<string, string[]> =>
  new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name ?? '', values]));

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'emberscope-security-test-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Stands in for Electron's BrowserWindow: records the options it was constructed with. */
class RecordingBrowserWindow {
  static readonly made: BrowserWindowConstructorOptions[] = [];
  constructor(readonly options: BrowserWindowConstructorOptions) {
    RecordingBrowserWindow.made.push(options);
  }
}

interface NavigationEvent {
  prevented: boolean;
  preventDefault(): void;
}
const navigationEvent = (): NavigationEvent => ({
  prevented: false,
  preventDefault() {
    this.prevented = true;
  },
});

/** Stands in for a WebContents: records the listeners and the window-open handler. */
class RecordingContents {
  readonly listeners = new Map<string, (event: NavigationEvent, url: string) => void>();
  windowOpenHandler: (() => unknown) | undefined;
  on(event: string, listener: (event: NavigationEvent, url: string) => void): this {
    this.listeners.set(event, listener);
    return this;
  }
  setWindowOpenHandler(handler: () => unknown): void {
    this.windowOpenHandler = handler;
  }
  /** Emits like Electron does; true when a listener prevented the default. */
  emit(event: string, url = ''): boolean {
    const e = navigationEvent();
    this.listeners.get(event)?.(e, url);
    return e.prevented;
  }
}

/** Stands in for a Session: records the handlers it was given. */
class RecordingSession {
  requestHandler: ((webContents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
  checkHandler: ((webContents: unknown, permission: string) => boolean) | undefined;
  beforeRequest: ((details: { url: string }, callback: (response: { cancel: boolean }) => void) => void) | undefined;
  readonly webRequest = {
    onBeforeRequest: (listener: NonNullable<RecordingSession['beforeRequest']>): void => {
      this.beforeRequest = listener;
    },
  };
  setPermissionRequestHandler(handler: NonNullable<RecordingSession['requestHandler']>): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: NonNullable<RecordingSession['checkHandler']>): void {
    this.checkHandler = handler;
  }
  /** Asks the request handler like Electron does; resolves with its answer. */
  request(permission: string): Promise<boolean> {
    return new Promise((resolve) => this.requestHandler?.(null, permission, resolve));
  }
  /** Runs a request through the onBeforeRequest listener; true when it is cancelled. */
  cancels(url: string): boolean {
    let cancel: boolean | undefined;
    this.beforeRequest?.({ url }, (response) => {
      cancel = response.cancel;
    });
    if (cancel === undefined) throw new Error(`onBeforeRequest did not answer for ${url}`);
    return cancel;
  }
}

const ATTACKER_URLS = ['https://evil.example/', 'file:///etc/passwd', 'app://other/', 'app://emberscope.evil/', 'javascript:alert(1)', 'http://127.0.0.1/', 'not a url'];

describe('Electron window', () => {
  it('isolates the renderer: the webPreferences really passed to new BrowserWindow', () => {
    const win = createMainWindow(RecordingBrowserWindow, '/opt/emberscope/preload.cjs');
    expect(win).toBeInstanceOf(RecordingBrowserWindow);
    expect(RecordingBrowserWindow.made).toHaveLength(1);
    const options = win.options;
    expect(options.show).toBe(false);
    // Exactly these: a new webPreference fails here until it is reviewed.
    expect(options.webPreferences).toStrictEqual({
      preload: '/opt/emberscope/preload.cjs',
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
    });
  });

  it('denies navigation and redirects away from the app, <webview> and window.open', () => {
    const contents = new RecordingContents();
    hardenContents(contents);
    expect(contents.emit('will-navigate', 'app://emberscope/index.html')).toBe(false);
    expect(contents.emit('will-redirect', 'app://emberscope/index.html')).toBe(false);
    for (const url of ATTACKER_URLS) {
      expect(contents.emit('will-navigate', url), url).toBe(true);
      expect(contents.emit('will-redirect', url), url).toBe(true);
    }
    expect(contents.emit('will-attach-webview')).toBe(true);
    expect(contents.windowOpenHandler?.()).toEqual({ action: 'deny' });
  });

  it('denies every permission request and check, and cancels requests to anywhere but the app', async () => {
    const ses = new RecordingSession();
    hardenSession(ses);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      expect(await ses.request(p)).toBe(false);
      expect(ses.checkHandler?.(null, p)).toBe(false);
    }
    for (const url of ['app://emberscope/index.html', 'app://emberscope/assets/index-abc.js', 'devtools://devtools/bundled/inspector.html', 'blob:app://emberscope/0b7c']) {
      expect(ses.cancels(url), url).toBe(false);
    }
    for (const url of ['https://evil.example/x.js', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'app://other/index.html', 'app://emberscope.evil/x', 'ws://127.0.0.1:1/']) {
      expect(ses.cancels(url), url).toBe(true);
    }
  });

  it('accepts IPC only from the window own top frame on the app origin', async () => {
    const mainFrame = { url: 'app://emberscope/index.html' };
    const win = { webContents: { mainFrame } };
    const calls: unknown[] = [];
    const handler = ipcCallHandler(win, async (method, args) => {
      calls.push([method, args]);
      return 'answered';
    });
    await expect(handler({ sender: win.webContents, senderFrame: mainFrame }, 'listHosts', [])).resolves.toBe('answered');
    expect(calls).toEqual([['listHosts', []]]);

    const refused = [
      { sender: win.webContents, senderFrame: { url: 'app://emberscope/index.html' } }, // a sub-frame
      { sender: { mainFrame }, senderFrame: mainFrame }, // another web contents
      { sender: win.webContents, senderFrame: null }, // a frame that is gone
    ];
    for (const event of refused) await expect(handler(event, 'listHosts', [])).rejects.toThrow(/^BAD_INPUT: /);
    const navigatedAway = { url: 'https://evil.example/' };
    const hijacked = ipcCallHandler({ webContents: { mainFrame: navigatedAway } }, async () => 'answered');
    await expect(hijacked({ sender: undefined, senderFrame: navigatedAway }, 'listHosts', [])).rejects.toThrow(/^BAD_INPUT: /);
    expect(calls).toHaveLength(1);
  });

  it('decides navigation, senders and permissions by origin', () => {
    expect(isNavigationAllowed('app://emberscope/index.html')).toBe(true);
    for (const url of ATTACKER_URLS) expect(isNavigationAllowed(url), url).toBe(false);
    expect(isTrustedSender('app://emberscope/index.html', true)).toBe(true);
    expect(isTrustedSender('app://emberscope/index.html', false)).toBe(false);
    expect(isTrustedSender('https://evil.example/', true)).toBe(false);
    expect(isTrustedSender(undefined, true)).toBe(false);
    expect(permissionDecision('media')).toBe(false);
  });
});

describe('app:// protocol', () => {
  const dir = (): string => {
    const d = tempDir();
    mkdirSync(join(d, 'assets'));
    writeFileSync(join(d, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(d, 'assets/index-abc.js'), 'export {};');
    writeFileSync(join(d, 'secret.txt'), 'not served');
    return d;
  };

  it('is a standard, secure scheme that does not bypass the CSP, and the UI starts on it', () => {
    expect(APP_ORIGIN).toBe('app://emberscope');
    expect(APP_START_URL.startsWith(`${APP_ORIGIN}/`)).toBe(true);
    expect(APP_SCHEME_PRIVILEGES.standard).toBe(true);
    expect(APP_SCHEME_PRIVILEGES.secure).toBe(true);
    expect(APP_SCHEME_PRIVILEGES.bypassCSP).toBe(false);
  });

  it('serves the built renderer with the security headers', async () => {
    const handle = appProtocolHandler(dir());
    const page = await handle(new Request(APP_START_URL));
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<!doctype html><title>x</title>');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    for (const [name, value] of Object.entries(securityHeaders())) expect(page.headers.get(name), name).toBe(value);
    const script = await handle(new Request('app://emberscope/assets/index-abc.js'));
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('answers 404, with the headers, for other hosts, other methods, escapes and unknown files', async () => {
    const handle = appProtocolHandler(dir());
    const requests = [
      new Request('app://other/index.html'),
      new Request(APP_START_URL, { method: 'POST', body: 'x' }),
      new Request('app://emberscope/%2e%2e/package.json'),
      new Request('app://emberscope/secret.txt'),
      new Request('app://emberscope/missing.js'),
    ];
    for (const request of requests) {
      const res = await handle(request);
      expect(res.status, `${request.method} ${request.url}`).toBe(404);
      expect(res.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
    }
  });
});

describe('Content-Security-Policy', () => {
  const csp = directives(contentSecurityPolicy());
  it('allows scripts and styles only from the app: no inline, no eval, no remote', () => {
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    const all = contentSecurityPolicy();
    expect(all).not.toMatch(/unsafe-inline|unsafe-eval|wasm-unsafe-eval|https?:|\*/);
  });
  it('adds only the browser mode own WebSocket origin', () => {
    const c = directives(contentSecurityPolicy({ connect: ['ws://127.0.0.1:4000'] }));
    expect(c.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:4000']);
    expect(c.get('script-src')).toEqual(["'self'"]);
  });
  it('is sent with the other security headers', () => {
    const h = securityHeaders();
    expect(h['Content-Security-Policy']).toBe(contentSecurityPolicy());
    expect(h['X-Content-Type-Options']).toBe('nosniff');
    expect(h['X-Frame-Options']).toBe('DENY');
    expect(h['Referrer-Policy']).toBe('no-referrer');
  });

  it('the served page carries the same policy in its meta tag as in its header (less frame-ancestors)', async () => {
    const rendererSource = fileURLToPath(new URL('../../renderer/', import.meta.url));
    const page = await appProtocolHandler(rendererSource)(new Request(APP_START_URL));
    const html = await page.text();
    const metas = [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*\/?>/gi)].map((m) => m[1]);
    expect(metas).toEqual([metaContentSecurityPolicy()]);
    // Before anything it governs: the first element after <meta charset>.
    expect(html.indexOf('http-equiv="Content-Security-Policy"')).toBeLessThan(html.search(/<(script|link|style)\b/));
    const header = directives(page.headers.get('content-security-policy') ?? '');
    header.delete('frame-ancestors');
    expect(directives(metas[0] ?? '')).toEqual(header);
  });
});

describe('static files', () => {
  it('serves only known files inside the renderer', () => {
    expect(staticFileFor('/')).toBe('index.html');
    expect(staticFileFor('/assets/index-abc.js')).toBe('assets/index-abc.js');
    for (const p of ['/../package.json', '/assets/../../x.js', '/%2e%2e/x.js', '/.env', '/assets/.x.js', '/x', '/a\\b.js', '/a%00.js', '//etc/passwd.js', '/%E0%A4%A.js']) {
      expect(staticFileFor(p)).toBeNull();
    }
  });
});

describe('fuses', () => {
  // @electron/fuses finds the fuse wire after this sentinel in the Electron binary:
  // sentinel, wire version, wire length, then one byte per fuse ('0' off, '1' on).
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  const fakeElectron = (fuses: number): string => {
    const path = join(tempDir(), 'electron');
    const wire = Buffer.alloc(fuses, FuseState.ENABLE);
    writeFileSync(path, Buffer.concat([Buffer.alloc(4096, 0xcc), Buffer.from(SENTINEL), Buffer.from([1, fuses]), wire, Buffer.alloc(4096, 0xcc)]));
    return path;
  };

  it('turns off run-as-node, NODE_OPTIONS, --inspect and file:// privileges in the binary; requires asar integrity', async () => {
    const binary = fakeElectron(9);
    await applyProductionFuses(binary);
    const wire = await getCurrentFuseWire(binary);
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.WasmTrapHandlers]).toBe(FuseState.ENABLE);
  });

  it('refuses a binary with a fuse it has no setting for, rather than leave it as shipped', async () => {
    expect(PRODUCTION_FUSES.strictlyRequireAllFuses).toBe(true);
    const binary = fakeElectron(10);
    const before = readFileSync(binary);
    await expect(applyProductionFuses(binary)).rejects.toThrow(/strictlyRequireAllFuses/);
    expect(readFileSync(binary).equals(before)).toBe(true);
  });
});
