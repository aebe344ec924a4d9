// Every security setting of the Electron shell and the browser mode, asserted without
// launching Electron (its binary cannot be installed on the build machines).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FuseV1Options } from '@electron/fuses';
import {
  APP_ORIGIN,
  APP_SCHEME_PRIVILEGES,
  APP_START_URL,
  WEB_PREFERENCES,
  WINDOW_OPEN_ACTION,
  contentSecurityPolicy,
  isNavigationAllowed,
  isTrustedSender,
  permissionDecision,
  securityHeaders,
  staticFileFor,
} from './security';
import { PRODUCTION_FUSES } from './fuses';

const directives = (csp: string): Map<string, string[]> =>
  new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name ?? '', values]));

describe('Electron window', () => {
  it('isolates the renderer', () => {
    expect(WEB_PREFERENCES.contextIsolation).toBe(true);
    expect(WEB_PREFERENCES.sandbox).toBe(true);
    expect(WEB_PREFERENCES.nodeIntegration).toBe(false);
    expect(WEB_PREFERENCES.nodeIntegrationInWorker).toBe(false);
    expect(WEB_PREFERENCES.nodeIntegrationInSubFrames).toBe(false);
    expect(WEB_PREFERENCES.webSecurity).toBe(true);
    expect(WEB_PREFERENCES.allowRunningInsecureContent).toBe(false);
    expect(WEB_PREFERENCES.webviewTag).toBe(false);
    expect(WEB_PREFERENCES.experimentalFeatures).toBe(false);
    expect(WEB_PREFERENCES.navigateOnDragDrop).toBe(false);
    expect(Object.isFrozen(WEB_PREFERENCES)).toBe(true);
  });

  it('loads the UI from the app:// scheme, not file://', () => {
    expect(APP_START_URL.startsWith(`${APP_ORIGIN}/`)).toBe(true);
    expect(APP_ORIGIN).toBe('app://emberscope');
    expect(APP_SCHEME_PRIVILEGES.standard).toBe(true);
    expect(APP_SCHEME_PRIVILEGES.secure).toBe(true);
    expect(APP_SCHEME_PRIVILEGES.bypassCSP).toBe(false);
    const main = readFileSync(new URL('../main.ts', import.meta.url), 'utf8');
    expect(main).not.toMatch(/loadFile\(|['"`]file:/);
    expect(main).toMatch(/win\.loadURL\(APP_START_URL\)/);
    expect(main).toMatch(/webPreferences: \{ \.\.\.WEB_PREFERENCES, preload:/);
    expect(main).toMatch(/setPermissionRequestHandler/);
    expect(main).toMatch(/setWindowOpenHandler\(\(\) => WINDOW_OPEN_ACTION\)/);
    expect(main).toMatch(/will-navigate/);
    expect(main).toMatch(/isTrustedSender\(/);
    expect(main).toMatch(/backend\.dispatch\(method, args\)/);
  });

  it('denies navigation away from the app, window.open and permissions', () => {
    expect(isNavigationAllowed('app://emberscope/index.html')).toBe(true);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://other/', 'javascript:alert(1)', 'http://127.0.0.1/', 'not a url']) {
      expect(isNavigationAllowed(url)).toBe(false);
    }
    expect(WINDOW_OPEN_ACTION).toEqual({ action: 'deny' });
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) expect(permissionDecision(p)).toBe(false);
  });

  it('accepts IPC only from the app top frame', () => {
    expect(isTrustedSender('app://emberscope/index.html', true)).toBe(true);
    expect(isTrustedSender('app://emberscope/index.html', false)).toBe(false);
    expect(isTrustedSender('https://evil.example/', true)).toBe(false);
    expect(isTrustedSender(undefined, true)).toBe(false);
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
  it('turns off run-as-node, NODE_OPTIONS, --inspect and file:// privileges; requires asar integrity', () => {
    expect(PRODUCTION_FUSES.strictlyRequireAllFuses).toBe(true);
    expect(PRODUCTION_FUSES[FuseV1Options.RunAsNode]).toBe(false);
    expect(PRODUCTION_FUSES[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(PRODUCTION_FUSES[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(PRODUCTION_FUSES[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
    expect(PRODUCTION_FUSES[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(PRODUCTION_FUSES[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(PRODUCTION_FUSES[FuseV1Options.EnableCookieEncryption]).toBe(true);
  });
});
