// Import of real captures in Chromium, browser mode over the real services (issue 15): a
// gzipped folded file (once taken for pprof: "wire type 4"), a folded file of 70 MB (over the
// old 64 MiB limit) sent in chunks with progress, and the same file twice → one library entry
// and a notice that says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startBrowserMode, type BrowserMode } from '../electron/browser/server';
import type { Services } from '../electron/services/types';
import { launch, type Browser } from './support/chromium';
import { buildRenderer, flameNames, removeRenderer, waitOrError } from './support/harness';
import { offlineServices } from './support/services';

let dir = '';
let services: Services;
let mode: BrowserMode;
let browser: Browser;

beforeAll(async () => {
  const rendererDir = buildRenderer();
  dir = await mkdtemp(join(tmpdir(), 'emberscope-e2e-import-'));
  services = await offlineServices(join(dir, 'data'));
  mode = await startBrowserMode({ open: false, services, rendererDir, print: () => undefined });
  browser = await launch();
});

afterAll(async () => {
  removeRenderer();
  await browser?.close();
  await mode?.close();
  await services?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('import', () => {
  it('imports gzipped folded stacks, told by content, and the same file twice is one entry', async () => {
    const { page, problems } = browser;
    await page.goto(mode.url);
    const file = join(dir, 'stacks.gz');
    await writeFile(file, gzipSync(Buffer.from('main;serve;gz_folded_hot 40\nmain;idle 2\n')));
    await page.getByTestId('import-input').first().setInputFiles(file);
    await expect.poll(async () => (await flameNames(page)).includes('gz_folded_hot'), { timeout: 30_000 }).toBe(true);
    expect(await page.getByTestId('notice').textContent()).toContain('Imported stacks.gz (folded stacks, gzipped)');
    const entries = await page.getByTestId('library-item').count();

    await page.getByTestId('import-input').first().setInputFiles(file);
    await expect.poll(() => page.getByTestId('notice').textContent()).toMatch(/stacks\.gz is already in the library/);
    expect(await page.getByTestId('library-item').count()).toBe(entries);
    expect(problems).toEqual([]);
  });

  it('imports a 70 MB folded file in chunks, with progress', async () => {
    const { page, problems } = browser;
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(`start_thread;worker_${i % 31};handle_request_${i % 211};big_file_leaf_${i} ${1 + (i % 3)}\n`);
    const block = lines.join('');
    const repeats = Math.ceil((70 * 2 ** 20) / block.length);
    const file = join(dir, 'big.folded');
    await writeFile(file, block.repeat(repeats));
    const progress: string[] = [];
    const busy = page.getByRole('status').filter({ hasText: /Importing big\.folded… \d+%/ });
    const seen = busy.waitFor({ timeout: 60_000 }).then(async () => progress.push((await busy.textContent().catch(() => '')) ?? ''));
    await page.getByTestId('import-input').first().setInputFiles(file);
    await waitOrError(page, page.getByTestId('notice').filter({ hasText: 'Imported big.folded (folded stacks)' }), 120_000);
    await seen;
    expect(progress[0]).toMatch(/Importing big\.folded… \d+%/);
    await expect.poll(async () => (await flameNames(page)).includes('start_thread'), { timeout: 30_000 }).toBe(true);
    expect(problems).toEqual([]);
  }, 180_000);
});
