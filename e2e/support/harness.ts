// Shared set-up of the end-to-end tests: build the renderer, start browser mode, drive Chromium.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_DIR = join(ROOT, 'dist/renderer');
export const SCREENSHOTS = join(ROOT, 'e2e/screenshots');

let built = false;
/** Builds the renderer once per test process (about a second). */
export function buildRenderer(): void {
  if (built || process.env.EMBERSCOPE_SKIP_RENDERER_BUILD === '1') return;
  execFileSync(process.execPath, [join(ROOT, 'renderer/build.mjs')], { stdio: 'inherit', cwd: ROOT });
  built = true;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.waitForTimeout(450); // the flame graph's transitions settle
  await page.screenshot({ path });
  return path;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A plain HTTP GET with chosen headers (to test the Host and Origin checks). */
export function rawGet(port: number, path: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Tries a WebSocket upgrade; resolves with the HTTP status the server answered (101 = accepted). */
export function rawUpgrade(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      method: 'GET',
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Text of the flame graph's labels and frame names (the `name` attribute of each frame). */
export async function flameNames(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="flame-graph"] g.frame', (gs) => gs.map((g) => g.getAttribute('name') ?? ''));
}
