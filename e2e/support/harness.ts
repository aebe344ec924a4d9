// Shared set-up of the end-to-end tests: build the renderer, start browser mode, drive Chromium.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** This test process's own build of the renderer (a concurrent `npm run build` cannot disturb it). */
export const RENDERER_DIR = join(tmpdir(), `emberscope-renderer-${process.pid}`);
export const SCREENSHOTS = join(ROOT, 'e2e/screenshots');

let built = false;
/** Builds the renderer once per test process (about a second); returns its directory. */
export function buildRenderer(): string {
  if (built) return RENDERER_DIR;
  execFileSync(process.execPath, [join(ROOT, 'renderer/build.mjs'), '--out', RENDERER_DIR], { stdio: 'inherit', cwd: ROOT });
  built = true;
  return RENDERER_DIR;
}

/** Removes this process's renderer build (call from afterAll). */
export function removeRenderer(): void {
  rmSync(RENDERER_DIR, { recursive: true, force: true });
  built = false;
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

/** Waits for `locator`; fails at once with the UI's error banner text if that shows first. */
export async function waitOrError(page: Page, locator: ReturnType<Page['locator']>, timeout = 30_000): Promise<void> {
  const error = page.getByTestId('error');
  const which = await Promise.race([
    locator.waitFor({ timeout }).then(() => 'ok' as const),
    error.waitFor({ timeout }).then(() => 'error' as const),
  ]);
  if (which === 'error') throw new Error(`the UI reported: ${(await error.textContent()) ?? ''}`);
}

/**
 * A test's own dist/ (agent bundle built here, the committed sampler artifacts, a manifest
 * in scripts/build.mjs's layout), so that a concurrent build of the shared dist/ cannot make
 * the agent's hash disagree with the manifest in the middle of the test.
 */
export async function privateDist(out: string): Promise<string> {
  execFileSync(process.execPath, [join(ROOT, 'agent-remote/build.mjs'), '--outdir', join(out, 'agent')], { stdio: 'inherit', cwd: ROOT });
  await cp(join(ROOT, 'assets/linux-x86_64'), join(out, 'linux-x86_64'), { recursive: true });
  const manifest = JSON.parse(await readFile(join(ROOT, 'assets/manifest.json'), 'utf8')) as Record<string, unknown>;
  const agent = await readFile(join(out, 'agent/agent.cjs'));
  manifest.agent = { path: join(out, 'agent/agent.cjs'), sha256: createHash('sha256').update(agent).digest('hex'), size: agent.length };
  await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return out;
}
