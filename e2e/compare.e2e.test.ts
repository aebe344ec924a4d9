// The compare view in browser mode, driven in Debian's chromium: two imported pprof files (a
// short 99 Hz base, a longer 499 Hz target) → the differential flame graph colours each named
// frame by the sign of its change of share (red more, blue less, neutral none), the tables
// rank regressions and improvements by self and by total as core's diff (checked against
// `go tool pprof -diff_base` in core/pprof/diff-go-pprof.test.ts) does; a redaction toggle
// masks a name on both sides alike; the exported diff reads in `go tool pprof`; and "compare
// with previous capture of this host" picks the earlier capture of the same host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodePprof } from '../core/pprof';
import { compareFixtures } from '../core/testing/compare-fixtures';
import { profileFromPaths } from '../core/testing/fixtures';
import { startBrowserMode, type BrowserMode } from '../electron/browser/server';
import { createServices, type ServicesInternals } from '../electron/services/index';
import { launch, type Browser } from './support/chromium';
import { buildRenderer, removeRenderer, screenshot } from './support/harness';
import type { Page } from 'playwright-core';

let dir = '';
let services: ServicesInternals;
let mode: BrowserMode;
let browser: Browser;

beforeAll(async () => {
  const rendererDir = buildRenderer();
  dir = await mkdtemp(join(tmpdir(), 'emberscope-e2e-compare-'));
  const dataDir = join(dir, 'data');
  const sshConfigPath = join(dir, 'empty_ssh_config');
  await writeFile(sshConfigPath, '');
  services = createServices({ dataDir, sshConfigPath, userKnownHosts: [], appKnownHosts: join(dir, 'known_hosts'), keychainService: `emberscope-e2e-${process.pid}` });
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

const graph = '[data-testid="diff-flame-graph"]';

/** The fill of a named frame as [r, g, b]. */
async function fill(page: Page, name: string): Promise<[number, number, number]> {
  const hex = (await page.locator(`${graph} g.frame[name="${name}"] rect`).first().getAttribute('fill')) ?? '';
  expect(hex).toMatch(/^#[0-9a-f]{6}$/);
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

const redOf = (c: [number, number, number]): boolean => c[0] > c[2] + 40;
const blueOf = (c: [number, number, number]): boolean => c[2] > c[0] + 40;

async function tableNames(page: Page, testId: string): Promise<string[]> {
  return page.$$eval(`[data-testid="${testId}"] tbody tr td.name-col button`, (els) => els.map((e) => e.textContent ?? ''));
}

describe('compare view', () => {
  it('draws the differential flame graph and ranks the changes of two imported files', async () => {
    const { page, problems } = browser;
    const { base, target } = compareFixtures();
    const baseFile = join(dir, 'before.pb.gz');
    const targetFile = join(dir, 'after.pb.gz');
    await writeFile(baseFile, gzipSync(encodePprof(base)));
    await writeFile(targetFile, gzipSync(encodePprof(target)));
    await page.goto(mode.url);
    await page.getByRole('heading', { name: 'Linux CPU profiles, least privilege' }).waitFor();
    await page.getByTestId('import-input').first().setInputFiles([baseFile, targetFile]);
    await expect.poll(() => page.getByTestId('library-item').count()).toBe(2);

    await page.getByTestId('tab-compare').click();
    await page.getByTestId('compare-base').selectOption({ label: (await page.locator('[data-testid="compare-base"] option', { hasText: 'before' }).textContent()) ?? '' });
    await page.getByTestId('compare-target').selectOption({ label: (await page.locator('[data-testid="compare-target"] option', { hasText: 'after' }).textContent()) ?? '' });
    // Imported files have no host: no "previous capture".
    expect(await page.getByTestId('compare-previous').isDisabled()).toBe(true);
    await page.getByTestId('compare-run').click();
    await page.locator(`${graph} g.frame`).first().waitFor();
    expect(await page.getByTestId('compare-base-title').textContent()).toBe('before.pb.gz');
    expect(await page.getByTestId('normalization').textContent()).toMatch(/Normalized as go tool pprof -normalize does: the target's 3,030 samples are scaled ×0\.3300 to the base's 1,000/);

    // Colours: red for a larger share in the target, blue for a smaller one, neutral for none.
    expect(redOf(await fill(page, 'encode'))).toBe(true); // new in the target: +8.91 pt
    expect(redOf(await fill(page, 'sha_block'))).toBe(true); // 40% → 45.5%
    expect(blueOf(await fill(page, 'tokenize'))).toBe(true); // 30% → 19.8%
    expect(blueOf(await fill(page, 'gc'))).toBe(true); // gone from the target, still drawn
    expect(await page.locator(`${graph} g.frame[name="main"] rect`).getAttribute('fill')).toBe('#dedad5');
    // A stronger change is a stronger colour.
    expect((await fill(page, 'encode'))[1]).toBeLessThan((await fill(page, 'parse'))[1] + 1);
    await page.locator(`${graph} g.frame[name="tokenize"]`).hover();
    await page.getByRole('tooltip').waitFor();
    expect(await page.getByRole('tooltip').textContent()).toMatch(/base300 samples · 30\.0%target600 samples · 19\.8%change of share−10\.20 pt/);
    await page.mouse.move(0, 0);

    // Tables, by self (pprof's flat) and by total (cum).
    expect(await tableNames(page, 'regressions')).toEqual(['encode', 'sha_block', 'parse']);
    expect(await tableNames(page, 'improvements')).toEqual(['tokenize', 'gc', 'read']);
    expect(await page.locator('[data-testid="regressions"] tbody tr').first().textContent()).toBe('encode+89.1+8.91 pt0270');
    await page.locator('#main').evaluate((m) => m.scrollTo(0, 0));
    await screenshot(page, 'compare-01-self');
    await page.getByRole('button', { name: 'By total' }).click();
    expect(await tableNames(page, 'regressions')).toEqual(['encode', 'json', 'hash', 'sha_block']);
    expect(await tableNames(page, 'improvements')).toEqual(['tokenize', 'parse', 'gc', 'io', 'read']);
    // A row zooms the graph to the function.
    await page.locator('[data-testid="improvements"] button', { hasText: 'parse' }).click();
    await page.getByText('Zoomed into').waitFor();
    await page.getByRole('button', { name: 'Reset zoom' }).click();
    await page.getByText('Zoomed into').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'By self' }).click();

    // Redaction: "token" is a sensitive word; tokenize gets one mask on both sides and still compares.
    await page.getByTestId('redact-maskSensitive').check();
    await expect.poll(async () => (await tableNames(page, 'improvements'))[0] ?? '').toMatch(/^fn:[0-9a-f]{8}$/);
    const masked = (await tableNames(page, 'improvements'))[0] ?? '';
    expect(await page.locator(graph).textContent()).not.toContain('tokenize');
    expect(blueOf(await fill(page, masked))).toBe(true);
    expect(await page.locator('.compare-view').textContent()).toMatch(/Redacted view: base: 1 function masked; target: 1 function masked/);

    // The diff export, redacted as shown, reads in go tool pprof.
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export diff (pprof)' }).click()]);
    const diffPath = join(dir, 'diff.pb.gz');
    await dl.saveAs(diffPath);
    expect(dl.suggestedFilename()).toBe('before-vs-after.diff.pb.gz');
    const bytes = gunzipSync(await readFile(diffPath));
    expect(bytes.includes(Buffer.from('tokenize'))).toBe(false);
    if (existsSync('/usr/bin/go') || existsSync('/usr/lib/go/bin/go')) {
      const top = execFileSync('go', ['tool', 'pprof', '-top', '-nodefraction=0', diffPath], { encoding: 'utf8', env: { ...process.env, HOME: dir }, stdio: ['ignore', 'pipe', 'ignore'] });
      const names = top.split('\n').map((l) => l.trim().split(/\s+/)).filter((c) => c.length >= 6 && c[1]?.endsWith('%')).map((c) => c[5]);
      // The export masks with its own random key (never the view's), alike on both sides.
      expect(names[0]).toMatch(/^fn:[0-9a-f]{8}$/);
      expect(names.slice(1, 3)).toEqual(['encode', 'sha_block']);
    }
    await page.getByRole('button', { name: 'none', exact: true }).click();
    expect(problems).toEqual([]);
  });

  it('compares with the previous capture of the same host', async () => {
    const { page, problems } = browser;
    const meta = (title: string, host: string, startedMs: number) => ({
      title,
      source: 'capture' as const,
      host: { id: `ssh:${host}`, label: host, hostName: host, port: 22 },
      user: 'ops',
      startedMs,
      endedMs: startedMs + 10_000,
      options: null,
      agent: { version: '', sha256: '' },
      sampler: { version: '', sha256: '' },
      warnings: [],
      redaction: 'none',
      interrupted: false,
      error: '',
      importedFrom: '',
    });
    const day = Date.UTC(2026, 11, 1, 9);
    await services.libraryImpl.save(profileFromPaths([['main;serve;render', 80], ['main;serve;db_query', 20]]), meta('web-1 monday', 'web-1', day));
    await services.libraryImpl.save(profileFromPaths([['main;serve;render', 10], ['main;serve;db_query', 90]]), meta('web-2 tuesday', 'web-2', day + 86_400_000));
    await services.libraryImpl.save(profileFromPaths([['main;serve;render', 30], ['main;serve;db_query', 70]]), meta('web-1 wednesday', 'web-1', day + 2 * 86_400_000));
    await page.reload();
    await page.getByTestId('tab-compare').click();
    await page.getByTestId('compare-target').selectOption({ label: (await page.locator('[data-testid="compare-target"] option', { hasText: 'web-1 wednesday' }).textContent()) ?? '' });
    await page.getByTestId('compare-previous').click();
    await expect.poll(() => page.getByTestId('compare-base-title').textContent()).toBe('web-1 monday');
    expect(await page.getByTestId('compare-target-title').textContent()).toBe('web-1 wednesday');
    expect(redOf(await fill(page, 'db_query'))).toBe(true);
    expect(blueOf(await fill(page, 'render'))).toBe(true);
    expect(await tableNames(page, 'regressions')).toEqual(['db_query']);
    expect(await tableNames(page, 'improvements')).toEqual(['render']);
    await screenshot(page, 'compare-02-previous');
    expect(problems).toEqual([]);
  });
});
