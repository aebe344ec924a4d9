// Hostile input end to end (issue 8): a capture from a MALICIOUS AGENT on a compromised host,
// in browser mode, driven in Chromium. The real services, capture service, agent client,
// profile builder, library and UI; only the host is fake (test/hostile/compromised-host.ts:
// a local shell that lies about the installed sampler and runs test/hostile/malicious-agent.ts,
// which speaks the real protocol over gRPC on its stdio).
// Proves: names with HTML and <script> render as text only (no element injected, no script
// run, no CSP violation), the UI stays responsive while the capture streams, and an oversized
// message ends the capture with a typed, plain error while what was received is kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrowserMode, type BrowserMode } from '../electron/browser/server';
import { createServices } from '../electron/services/index';
import type { Services } from '../electron/services/types';
import { compromisedShell, servicesWithCompromisedHost, type CompromisedHost } from '../test/hostile/compromised-host';
import { HOSTILE_NAMES } from '../test/hostile/hostile-protocol';
import { launch, type Browser } from './support/chromium';
import { buildRenderer, flameNames, privateDist, removeRenderer, screenshot, waitOrError } from './support/harness';

let dir = '';
let services: Services;
let host: CompromisedHost;
let hostId = '';
let mode: BrowserMode;
let browser: Browser;

beforeAll(async () => {
  const rendererDir = buildRenderer();
  dir = await mkdtemp(join(tmpdir(), 'emberscope-e2e-hostile-'));
  const distDir = await privateDist(join(dir, 'dist'));
  await writeFile(join(dir, 'ssh_config'), '');
  const real = createServices({
    dataDir: join(dir, 'data'),
    sshConfigPath: join(dir, 'ssh_config'),
    userKnownHosts: [],
    appKnownHosts: join(dir, 'known_hosts'),
    distDir,
    keychainService: `emberscope-e2e-hostile-${process.pid}`,
  });
  host = compromisedShell(join(dir, 'host-home'), real.artifacts().sampler?.sha256 ?? '', 'html-names');
  ({ services, hostId } = await servicesWithCompromisedHost(real, host));
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

describe('a capture from a malicious agent', () => {
  it('renders names as text only and the UI stays responsive while it streams', async () => {
    const { page, problems } = browser;
    await page.goto(mode.url);
    await page.getByRole('button', { name: /compromised-host/ }).click();
    await page.getByTestId('connect').click();
    await waitOrError(page, page.getByTestId('capture-start').and(page.locator(':enabled')), 60_000);
    expect(hostId).not.toBe('');

    // Long tasks of the page while the capture streams.
    await page.evaluate(`(() => {
      window.__longestTask = 0;
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longestTask = Math.max(window.__longestTask, e.duration); }).observe({ type: 'longtask', buffered: true });
    })()`);
    await page.getByTestId('capture-start').click();
    const samples = async (): Promise<number> => Number(((await page.getByTestId('live-samples').textContent()) ?? '0').replace(/,/g, ''));
    await expect.poll(samples, { timeout: 30_000 }).toBeGreaterThan(0);
    const first = await samples();

    // Responsive: a frame is painted and typing in the search box is answered, while deltas arrive.
    let worstFrameMs = 0;
    for (let i = 0; i < 10; i++) {
      const t0 = Date.now();
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))');
      worstFrameMs = Math.max(worstFrameMs, Date.now() - t0);
      await page.waitForTimeout(100);
    }
    await expect.poll(samples, { timeout: 30_000 }).toBeGreaterThan(first);
    await screenshot(page, '30-hostile-live');
    await page.getByTestId('capture-stop').click();
    await page.getByRole('button', { name: 'Export pprof' }).and(page.locator(':enabled')).waitFor({ timeout: 60_000 });

    // Names arrive as text: in the frames' names, the labels and the top-functions table.
    await expect.poll(async () => (await flameNames(page)).includes(HOSTILE_NAMES[0])).toBe(true);
    const names = await flameNames(page);
    for (const n of HOSTILE_NAMES.slice(0, 5)) expect(names).toContain(n);
    expect(names.some((n) => n.startsWith('bad\ufffd'))).toBe(true); // invalid UTF-8, replaced
    const tableText = (await page.locator('[data-testid="top-functions"]').textContent()) ?? '';
    expect(tableText).toContain('<script>window.__pwned = "script"</script>');
    expect(tableText).toContain('<img src=x onerror=');
    await page.getByTestId('search').fill('<script>');
    await expect.poll(() => page.getByTestId('search-result').textContent()).toMatch(/samples match/);
    await page.getByTestId('search').fill('');
    await screenshot(page, '31-hostile-names');
    // The 10k-character name was shortened to the model's bound: counted, and said on screen.
    await expect.poll(() => page.getByTestId('overflow-notice').textContent()).toMatch(/^This profile reached the app's size limits: .*\d+ names? shortened\.$/);

    // Nothing was injected, nothing ran, nothing broke the CSP.
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.locator('#root img, #root script, #root iframe, #root [onerror], #root [onload]').count()).toBe(0);
    expect(problems).toEqual([]);

    const longestTask = Number(await page.evaluate('window.__longestTask'));
    console.log(`hostile e2e: worst frame round trip ${worstFrameMs} ms, longest task ${longestTask.toFixed(0)} ms while the capture streamed`);
    expect(worstFrameMs).toBeLessThan(2000);
    expect(longestTask).toBeLessThan(2000);
  });

  // 600k unique stacks in 30 deltas of 20k, more than the model keeps (500k): every delta is
  // heavy for the main process. Measured before the fixes: 11.6 s frame round trip (the
  // whole live profile redrawn every second), then 2.5 s and stalls of the backend's event
  // loop up to 5.8 s (a delta merged in one go, the saved capture encoded with pprof-format
  // and decoded again to open it). Now deltas merge in steps, the capture is encoded in steps
  // and compressed in zlib's thread pool, and the profile just saved opens from memory.
  it('a flood of unique stacks: the UI keeps painting and answering while it streams and as it saves', async () => {
    const { page } = browser;
    host.scenario = 'many-stacks';
    host.env = { HOSTILE_STACKS: '600000' };
    await page.locator('button.list-item:not([data-testid="library-item"])', { hasText: 'compromised-host' }).click();
    await page.getByTestId('capture-start').and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
    await page.evaluate('window.__longestTask = 0');
    // From the start to the saved capture on screen: the longest the event loop was held up.
    let longestStall = 0;
    let last = performance.now();
    const watch = setInterval(() => {
      const now = performance.now();
      longestStall = Math.max(longestStall, now - last - 20);
      last = now;
    }, 20);
    await page.getByTestId('capture-start').click();
    const samples = async (): Promise<number> => Number(((await page.getByTestId('live-samples').textContent()) ?? '0').replace(/,/g, ''));
    await expect.poll(samples, { timeout: 60_000 }).toBeGreaterThan(0);
    let worstFrameMs = 0;
    let liveSamples = 0;
    const t0 = Date.now();
    // Until the capture ends (duration) or 60 s: frames keep coming. The live bar goes with
    // the capture, so its count is read while it is there, never after.
    while (Date.now() - t0 < 60_000 && (await page.getByTestId('capture-stop').count()) > 0) {
      const t = Date.now();
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))');
      worstFrameMs = Math.max(worstFrameMs, Date.now() - t);
      const live = await page.getByTestId('live-samples').allTextContents();
      if (live.length > 0) liveSamples = Number((live[0] ?? '0').replace(/,/g, ''));
      await page.waitForTimeout(200);
    }
    const longestTask = Number(await page.evaluate('window.__longestTask'));
    console.log(`hostile e2e flood: ${liveSamples} samples live; worst frame round trip ${worstFrameMs} ms, longest task ${longestTask.toFixed(0)} ms`);
    await screenshot(page, '33-hostile-flood');
    host.env = {};
    if ((await page.getByTestId('capture-stop').count()) > 0) await page.getByTestId('capture-stop').click();
    await page.getByRole('button', { name: 'Export pprof' }).and(page.locator(':enabled')).waitFor({ timeout: 120_000 });
    clearInterval(watch);
    console.log(`hostile e2e flood: longest stall of the services' event loop ${longestStall.toFixed(0)} ms`);
    expect(worstFrameMs).toBeLessThan(1000);
    expect(longestTask).toBeLessThan(1000);
    // The services share this process: a stall here is a stall of the app's main process.
    expect(longestStall).toBeLessThan(1000);
  }, 300_000);

  it('an oversized message ends the capture with a typed, plain error; the UI keeps working', async () => {
    const { page } = browser;
    host.scenario = 'oversized';
    await page.locator('button.list-item:not([data-testid="library-item"])', { hasText: 'compromised-host' }).click();
    await page.getByTestId('capture-start').and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
    await page.getByTestId('capture-start').click();
    const error = page.getByTestId('error');
    await error.waitFor({ timeout: 60_000 });
    const text = (await error.textContent()) ?? '';
    expect(text).toContain('TOO_LARGE');
    expect(text).toMatch(/The agent sent a message of \d+ bytes, more than the limit of 16777216 bytes/);
    await screenshot(page, '32-hostile-oversized');
    // Still responsive: the library lists the captures and opens one.
    await page.getByTestId('library-item').first().click();
    await page.locator('[data-testid="flame-graph"] g.frame').first().waitFor({ timeout: 30_000 });
  });
});
