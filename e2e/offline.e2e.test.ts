// The offline path of the console, in browser mode, driven in Debian's chromium:
// import → flame graph shows the hot function → search highlights it → a redaction toggle
// hides it → export (checked byte for byte, and with `go tool pprof -top` when Go is here) →
// reopen from the library; hostile names stay text; the server refuses requests without the
// token or with a foreign Host or Origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodePprof } from '../core/pprof';
import { startBrowserMode, type BrowserMode } from '../electron/browser/server';
import type { Services } from '../electron/services/types';
import { launch, type Browser } from './support/chromium';
import { buildRenderer, removeRenderer, flameNames, rawGet, rawUpgrade, screenshot } from './support/harness';
import { HOSTILE_NAMES, SERVICE_FOLDED, demoFolded, hostileFolded } from './support/profiles';
import { offlineServices } from './support/services';

let dir = '';
let services: Services;
let mode: BrowserMode;
let browser: Browser;

beforeAll(async () => {
  const rendererDir = buildRenderer();
  dir = await mkdtemp(join(tmpdir(), 'emberscope-e2e-'));
  services = await offlineServices(join(dir, 'data'));
  mode = await startBrowserMode({ open: false, services, rendererDir, print: () => undefined });
  browser = await launch({ downloadsPath: join(dir, 'downloads') });
});

afterAll(async () => {
  removeRenderer();
  await browser?.close();
  await mode?.close();
  await services?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('browser mode access checks', () => {
  it('answers 403 without the token, with a wrong token, a foreign Host or a foreign Origin', async () => {
    const port = mode.port;
    const token = new URL(mode.url).searchParams.get('token') ?? '';
    const host = `127.0.0.1:${port}`;
    expect(token.length).toBeGreaterThanOrEqual(40);

    const ok = await rawGet(port, `/?token=${token}`, { Host: host });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(ok.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);

    expect((await rawGet(port, '/', { Host: host })).status).toBe(403);
    expect((await rawGet(port, '/?token=wrong', { Host: host })).status).toBe(403);
    expect((await rawGet(port, '/assets/x.js', { Host: host })).status).toBe(403);
    expect((await rawGet(port, `/?token=${token}`, { Host: `evil.example:${port}` })).status).toBe(403);
    expect((await rawGet(port, `/?token=${token}`, { Host: 'evil.example' })).status).toBe(403);
    expect((await rawGet(port, `/?token=${token}`, { Host: host, Origin: 'http://evil.example' })).status).toBe(403);

    const origin = `http://127.0.0.1:${port}`;
    expect(await rawUpgrade(port, `/api?token=${token}`, { Host: host, Origin: origin })).toBe(101);
    expect(await rawUpgrade(port, '/api', { Host: host, Origin: origin })).toBe(403);
    expect(await rawUpgrade(port, `/api?token=${token}`, { Host: host })).toBe(403);
    expect(await rawUpgrade(port, `/api?token=${token}`, { Host: host, Origin: 'http://evil.example' })).toBe(403);
    expect(await rawUpgrade(port, `/api?token=${token}`, { Host: `rebind.example:${port}`, Origin: `http://rebind.example:${port}` })).toBe(403);
  });
});

describe('offline viewer', () => {
  it('imports, draws, searches, redacts, exports and reopens a profile', async () => {
    const { page, problems } = browser;
    await page.goto(mode.url);
    await page.getByRole('heading', { name: 'Linux CPU profiles, least privilege' }).waitFor();
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    await screenshot(page, '01-welcome');

    const file = join(dir, 'service.folded');
    await writeFile(file, SERVICE_FOLDED);
    await page.getByTestId('import-input').first().setInputFiles(file);
    await page.locator('[data-testid="flame-graph"] g.frame').first().waitFor();
    const names = await flameNames(page);
    expect(names).toContain('spin_compress_block');
    expect(await page.getByTestId('profile-samples').textContent()).toBe('1,175');
    // The hot function leads the top-functions table.
    await expect.poll(() => page.locator('[data-testid="top-functions"] tbody tr').first().textContent()).toContain('spin_compress_block');
    await screenshot(page, '02-flame-graph');

    // Search: the user's text is not a regular expression ("(" would throw if it were).
    await page.getByTestId('search').fill('compress_block(');
    await expect.poll(() => page.getByTestId('search-result').textContent()).toBe('No match');
    await page.getByTestId('search').fill('compress_block');
    await expect.poll(() => page.getByTestId('search-result').textContent()).toBe('520 of 1,175 samples match (44.3%)');
    const fill = await page.locator('[data-testid="flame-graph"] g.frame[name="spin_compress_block"] rect').getAttribute('fill');
    expect(fill).toBe('#b14bd6');
    await screenshot(page, '03-search');

    // Zoom by clicking a frame, then reset.
    await page.locator('[data-testid="flame-graph"] g.frame[name="auth_check"]').click();
    await page.getByText('Zoomed into').waitFor();
    await page.getByRole('button', { name: 'Reset zoom' }).click();
    await page.getByText('Zoomed into').waitFor({ state: 'detached' });
    // Keyboard: frames are focusable, Enter zooms, Escape resets, "/" goes to the search box.
    await page.locator('[data-testid="flame-graph"] g.frame[name="compress_response"]').focus();
    await page.keyboard.press('Enter');
    await page.getByText('Zoomed into').waitFor();
    await page.keyboard.press('Escape');
    await page.getByText('Zoomed into').waitFor({ state: 'detached' });
    await page.keyboard.press('/');
    expect(await page.evaluate('document.activeElement?.getAttribute("data-testid")')).toBe('search');
    await page.getByTestId('search').fill('');

    // Redaction: the default sensitive words mask the session-token function; a pattern hides the hot one.
    await page.getByTestId('redact-maskSensitive').check();
    await expect.poll(async () => (await flameNames(page)).includes('spin_verify_session_token')).toBe(false);
    expect(await page.getByTestId('redaction-summary').textContent()).toMatch(/\d+ functions? masked/);
    await page.getByTestId('redact-pattern').fill('compress_block');
    await page.getByRole('button', { name: 'Add pattern' }).click();
    await expect.poll(async () => (await flameNames(page)).includes('spin_compress_block')).toBe(false);
    expect((await flameNames(page)).some((n) => /^fn:[0-9a-f]{8}$/.test(n))).toBe(true);
    expect(await page.locator('[data-testid="top-functions"]').textContent()).not.toContain('spin_compress_block');
    await page.getByTestId('redact-stripPaths').check();
    await expect.poll(() => page.getByTestId('redaction-summary').textContent()).toMatch(/functions masked, 1 path stripped/);
    await screenshot(page, '04-redaction');

    // Export with redaction: no confirmation, and no original name in the file.
    const [redactedDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export pprof' }).click()]);
    const redactedPath = join(dir, 'redacted.pb.gz');
    await redactedDl.saveAs(redactedPath);
    const redactedBytes = gunzipSync(await readFile(redactedPath));
    const redacted = decodePprof(new Uint8Array(redactedBytes));
    expect(redacted.meta.sampleCount).toBe(1175);
    for (const secret of ['spin_compress_block', 'spin_verify_session_token', 'load_secret_key', '/home/alice']) {
      expect(redactedBytes.includes(Buffer.from(secret))).toBe(false);
    }
    if (existsSync('/usr/bin/go') || existsSync('/usr/lib/go/bin/go')) {
      const top = execFileSync('go', ['tool', 'pprof', '-sample_index=samples', '-top', redactedPath], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
      expect(top).toMatch(/fn:[0-9a-f]{8}/);
      expect(top).not.toContain('spin_compress_block');
    }

    // Export with every rule off: asks first; Cancel exports nothing, confirming exports the originals.
    await page.getByRole('button', { name: 'Remove pattern compress_block' }).click();
    expect(await page.getByTestId('redact-maskSensitive').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'none', exact: true }).click();
    await expect.poll(async () => (await flameNames(page)).includes('spin_compress_block')).toBe(true);
    await page.getByRole('button', { name: 'Export folded' }).click();
    await page.getByRole('dialog', { name: 'Export without redaction?' }).waitFor();
    await screenshot(page, '05-export-confirm');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Export folded' }).click();
    const [plainDl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-unredacted').click()]);
    const plainPath = join(dir, 'plain.folded');
    await plainDl.saveAs(plainPath);
    expect(await readFile(plainPath, 'utf8')).toContain('spin_compress_block');

    // The capture is in the library; reopen it after opening something else.
    const hostile = join(dir, 'hostile.folded');
    await writeFile(hostile, hostileFolded());
    await page.getByTestId('import-input').first().setInputFiles(hostile);
    await expect.poll(() => page.getByTestId('library-item').count()).toBe(2);
    await expect.poll(async () => (await flameNames(page)).includes(HOSTILE_NAMES[0] ?? '')).toBe(true);
    await page.getByTestId('library-item').filter({ hasText: 'service' }).click();
    await expect.poll(async () => (await flameNames(page)).includes('spin_compress_block')).toBe(true);
    await screenshot(page, '06-library');

    expect(problems).toEqual([]);
  });

  it('shows hostile names as text, never as markup', async () => {
    const { page, problems } = browser;
    await page.getByTestId('library-item').filter({ hasText: 'hostile' }).click();
    await expect.poll(async () => (await flameNames(page)).includes(HOSTILE_NAMES[0] ?? '')).toBe(true);
    const labels = (): Promise<string[]> => page.$$eval('[data-testid="flame-graph"] .d3-flame-graph-label', (els) => els.map((e) => e.textContent ?? ''));
    await expect.poll(async () => (await labels()).some((t) => t.includes('<img src=x onerror=window.__pwned=1>'))).toBe(true);
    const tableText = await page.locator('[data-testid="top-functions"]').textContent();
    for (const n of HOSTILE_NAMES) expect(tableText).toContain(n.replace(/;/g, ','));
    // Hover shows the tooltip, as text.
    await page.locator(`[data-testid="flame-graph"] g.frame[name=${JSON.stringify(HOSTILE_NAMES[3])}]`).hover();
    await page.getByRole('tooltip').waitFor();
    expect(await page.getByRole('tooltip').textContent()).toContain('constructor.constructor');
    await screenshot(page, '07-hostile-names');
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.locator('#root img, #root script, #root svg[onload], #root iframe').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('draws a realistic service profile (the README screenshot)', async () => {
    const { page, problems } = browser;
    const file = join(dir, 'api-server.folded');
    await writeFile(file, demoFolded());
    await page.getByTestId('import-input').first().setInputFiles(file);
    await expect.poll(async () => (await flameNames(page)).includes('github.com/acme/api/internal/search.score')).toBe(true);
    await page.getByTestId('search').fill('json');
    await expect.poll(() => page.getByTestId('search-result').textContent()).toMatch(/samples match/);
    await page.mouse.move(0, 0);
    const notice = page.getByTestId('notice');
    if (await notice.count()) await notice.getByRole('button', { name: 'Dismiss' }).click();
    await screenshot(page, '00-readme');
    await page.getByTestId('search').fill('');
    // Root at top (an icicle: the same tree drawn upside down).
    const rootY = async (): Promise<number> => Number(/translate\([^,]+,([^)]+)\)/.exec((await page.locator('[data-testid="flame-graph"] g.frame[name="all"]').getAttribute('transform')) ?? '')?.[1] ?? NaN);
    expect(await rootY()).toBeGreaterThan(100);
    await page.getByRole('button', { name: 'Root at top' }).click();
    await expect.poll(rootY).toBe(0);
    await screenshot(page, '08-icicle');
    await page.getByRole('button', { name: 'Root at bottom' }).click();
    expect(problems).toEqual([]);
  });

  it('imports a file dropped on the window', async () => {
    const { page, problems } = browser;
    const before = await page.getByTestId('library-item').count();
    // A real DataTransfer with a File, as the browser hands it to the page on a drop.
    await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['main;dropped_fn 7\\nmain;other_fn 3'], 'dropped.folded', { type: 'text/plain' }));
      window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, cancelable: true }));
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, cancelable: true }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
    })()`);
    await expect.poll(() => page.getByTestId('library-item').count()).toBe(before + 1);
    await expect.poll(async () => (await flameNames(page)).includes('dropped_fn')).toBe(true);
    expect(problems).toEqual([]);
  });

  it('says in plain words when a file is not a profile', async () => {
    const { page } = browser;
    const junk = join(dir, 'notes.txt');
    await writeFile(junk, 'this is not a profile\n');
    await page.getByTestId('import-input').first().setInputFiles(junk);
    const error = page.getByTestId('error');
    await error.waitFor();
    const text = (await error.textContent()) ?? '';
    expect(text).toMatch(/notes\.txt could not be imported/);
    expect(text).toMatch(/BAD_INPUT/);
    await screenshot(page, '09-import-error');
    await error.getByRole('button', { name: 'Dismiss' }).click();
  });
});

