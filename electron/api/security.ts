// The security decisions of the console's two shells (Electron and browser mode) as plain
// data and pure functions, so a unit test can assert every one of them without an Electron
// binary. electron/shell.ts (for main.ts) and electron/browser/server.ts only apply what is
// here; the window's webPreferences are written out in shell.ts's createMainWindow, where a
// security scanner can read them.

/** The custom scheme the Electron shell loads the UI from (never file://). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'emberscope';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

/** Privileges of the app:// scheme (for protocol.registerSchemesAsPrivileged). */
export const APP_SCHEME_PRIVILEGES = Object.freeze({
  standard: true,
  secure: true,
  supportFetchAPI: false,
  corsEnabled: false,
  bypassCSP: false,
  allowServiceWorkers: false,
  stream: false,
  codeCache: false,
});

export interface CspOptions {
  /** Extra connect-src sources (browser mode: its own ws:// origin). */
  readonly connect?: readonly string[];
}

function cspDirectives(options: CspOptions): string[] {
  const connect = ["'self'", ...(options.connect ?? [])].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "object-src 'none'",
    "worker-src 'none'",
    "manifest-src 'none'",
    "media-src 'none'",
  ];
}

/**
 * The Content-Security-Policy of the UI in both shells: scripts and styles only from the
 * app itself (no inline script, no eval, no inline <style>), no remote content of any kind,
 * no frames, no plugins, no forms.
 */
export function contentSecurityPolicy(options: CspOptions = {}): string {
  return cspDirectives(options).join('; ');
}

/** Directives a <meta http-equiv> policy cannot carry (a browser ignores them there). */
const HEADER_ONLY_DIRECTIVES: readonly string[] = ['frame-ancestors'];

/**
 * The same policy as the <meta http-equiv="Content-Security-Policy"> of renderer/index.html
 * (security.test.ts asserts the file says exactly this). The browser enforces both; the meta
 * tag puts the policy in the page itself, where a reviewer's scanner reads it.
 */
export function metaContentSecurityPolicy(): string {
  return cspDirectives({})
    .filter((d) => !HEADER_ONLY_DIRECTIVES.includes(d.split(' ')[0] ?? ''))
    .join('; ');
}

/** Headers sent with every UI response (Electron protocol handler and browser mode). */
export function securityHeaders(options: CspOptions = {}): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(options),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), bluetooth=(), clipboard-read=()',
    'Cache-Control': 'no-store',
  };
}

/** Navigation policy: the window never leaves the app, whatever the page asks. */
export function isNavigationAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Requests the Electron window may make: the app itself, DevTools and its own blob: URLs. */
export function isRequestAllowed(url: string): boolean {
  return url.startsWith(`${APP_ORIGIN}/`) || url.startsWith('devtools://') || url.startsWith('blob:');
}

/** window.open and target=_blank: always denied. */
export const WINDOW_OPEN_ACTION = Object.freeze({ action: 'deny' as const });

/** Permission requests (camera, notifications, clipboard, ...): always denied. */
export function permissionDecision(_permission: string): boolean {
  return false;
}

/** IPC sender check: only the app's own top-level frame may call the API. */
export function isTrustedSender(frameUrl: string | undefined, isMainFrame: boolean): boolean {
  if (!isMainFrame || !frameUrl) return false;
  return isNavigationAllowed(frameUrl);
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export function contentTypeOf(path: string): string | undefined {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? undefined : CONTENT_TYPES[path.slice(dot).toLowerCase()];
}

/**
 * Maps a request path (`/assets/x.js`) to a relative file path inside the built renderer, or
 * null when it would leave it or names something that is not served.
 */
export function staticFileFor(requestPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(requestPath);
  } catch {
    return null;
  }
  if (path === '/' || path === '') path = '/index.html';
  if (!path.startsWith('/') || path.includes('\\') || path.includes('\0')) return null;
  const parts = path.slice(1).split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.startsWith('.'))) return null;
  if (!contentTypeOf(path)) return null;
  return parts.join('/');
}
