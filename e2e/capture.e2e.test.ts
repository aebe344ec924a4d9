// The whole path of issue 7 against the real test host, in browser mode over the real
// services: open → choose the host → confirm the fingerprint → review the warnings → run
// setup → start a capture of the reference C workload → the live counter rises → stop → the
// flame graph shows its hot function → search highlights it → a redaction pattern hides it →
// export pprof (checked with `go tool pprof -top`) → the capture is in the library → reopen it.
//
// Needs the whole app built (`npm run build`, which `npm test` runs first): the services
// deploy dist/agent and the sampler listed in dist/manifest.json. The suite is skipped, with
// the reason printed, while a part it needs has not landed (createServices of issue 5, the
// sampler artifacts and assets/manifest.json of the BPF issue). Nothing here is faked.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrowserMode, type BrowserMode } from '../electron/browser/server';
import type { Services, ServicesConfig } from '../electron/services/types';
import type { TestHost, Workload } from '../scripts/test-host';
import { launch, type Browser } from './support/chromium';
import { ROOT, buildRenderer, privateDist, removeRenderer, flameNames, screenshot, waitOrError } from './support/harness';

const SERVICES_MODULE = join(ROOT, 'electron/services/index.ts');

const isRoot = process.getuid?.() === 0;
const HOT = ['spin_parse_request', 'spin_compress_block', 'spin_verify_session_token'];
const missing = [existsSync(SERVICES_MODULE) ? '' : 'electron/services/index.ts (createServices)', isRoot ? '' : 'root (the test host creates users)'].filter(Boolean);
const samplerMissing = !existsSync(join(ROOT, 'assets/manifest.json'));
if (missing.length) console.warn(`e2e/capture: PENDING — missing ${missing.join('; ')}.`);
else if (samplerMissing) console.warn('e2e/capture: review → setup → capture PENDING — the sampler artifacts (assets/manifest.json) have not landed.');

describe.skipIf(missing.length > 0)('capture path against the real test host', () => {
  let dir = '';
  let host: TestHost;
  let workload: Workload;
  let services: Services;
  let mode: BrowserMode;
  let browser: Browser;
  let hostId = '';

  beforeAll(async () => {
    const rendererDir = buildRenderer();
    dir = await mkdtemp(join(tmpdir(), 'emberscope-e2e-capture-'));
    const distDir = samplerMissing ? join(ROOT, 'dist') : await privateDist(join(dir, 'dist'));
    const { startTestHost } = await import('../scripts/test-host');
    host = await startTestHost({ sudo: 'nopasswd' });
    workload = await host.startWorkload('c', { seconds: 0 });
    const sshConfig = join(dir, 'ssh_config');
    await writeFile(sshConfig, '');
    const mod = (await import(SERVICES_MODULE)) as { createServices(config: ServicesConfig): Services | Promise<Services> };
    services = await mod.createServices({
      dataDir: join(dir, 'data'),
      sshConfigPath: sshConfig,
      userKnownHosts: [],
      appKnownHosts: join(dir, 'known_hosts'),
      distDir,
      keychainService: `emberscope-e2e-${process.pid}`,
    });
    hostId = (await services.hosts.add({
      label: 'test-host',
      hostName: host.facts.host,
      user: host.facts.user,
      port: host.facts.port,
      identityFile: host.facts.identityFile,
      proxyJump: '',
    })).id;
    mode = await startBrowserMode({ open: false, services, rendererDir, print: () => undefined });
    browser = await launch({ downloadsPath: join(dir, 'downloads') });
  });

  afterAll(async () => {
    removeRenderer();
    await browser?.close();
    await mode?.close();
    await uninstallSetup();
    await services?.close();
    await workload?.stop();
    await host?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The setup the UI ran is removed the way a user removes it: the services' uninstall. */
  async function uninstallSetup(): Promise<void> {
    if (!services || !hostId || !existsSync('/usr/local/libexec/emberscope')) return;
    const refuse = async () => null;
    const session = await services.connect(hostId, { confirmHostKey: async () => false, askPassphrase: refuse, askPassword: refuse });
    try {
      const result = await session.uninstall();
      expect(result.ok, JSON.stringify(result)).toBe(true);
    } finally {
      await session.close();
    }
  }

  it('connects over SSH after the fingerprint is confirmed', async () => {
    const { page, problems } = browser;
    await page.goto(mode.url);
    await page.getByRole('button', { name: /test-host/ }).click();
    await screenshot(page, '10-host');
    await page.getByTestId('connect').click();

    // Trust on first use: the fingerprint shown is the host's.
    await waitOrError(page, page.getByRole('dialog', { name: 'Is this the right host?' }), 60_000);
    expect(await page.getByTestId('fingerprint').textContent()).toBe(host.facts.hostKeyFingerprint);
    await screenshot(page, '11-fingerprint');
    await page.getByTestId('fingerprint-accept').click();
    await waitOrError(page, page.getByText(host.facts.hostKeyFingerprint), 60_000).catch((e: unknown) => {
      // Without the sampler artifacts the review that follows the connection reports SETUP_MISSING.
      if (!(samplerMissing && String(e).includes('manifest.json'))) throw e;
    });
    await expect.poll(() => page.locator('.status-dot.connected').count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it.skipIf(samplerMissing)('reviews, sets up, captures, searches, redacts, exports and reopens', async () => {
    const { page, problems } = browser;
    onTestFailed(async () => {
      await screenshot(page, '19-capture-failure');
    });

    // Privilege review, then setup with the commands shown first.
    await waitOrError(page, page.getByRole('heading', { name: 'Privilege review' }), 120_000);
    expect(await page.getByText('CAP_BPF + CAP_PERFMON').count()).toBeGreaterThan(0);
    await screenshot(page, '12-review');
    if (await page.getByTestId('setup-plan').count()) {
      await page.getByTestId('setup-plan').click();
      await page.getByTestId('setup-commands').waitFor();
      expect(await page.getByTestId('setup-commands').textContent()).toMatch(/setcap cap_bpf,cap_perfmon=ep/);
      await screenshot(page, '13-setup-plan');
      await page.getByTestId('setup-run').click();
      await waitOrError(page, page.getByText('Setup finished and verified.'), 120_000);
    }

    // Capture the C workload by process name; the live counter rises.
    await page.getByRole('radiogroup', { name: 'What to profile' }).getByText('Process name').click();
    await page.getByTestId('capture-comm').fill('hot-c');
    await page.getByTestId('capture-start').click();
    const samples = async (): Promise<number> => Number(((await page.getByTestId('live-samples').textContent()) ?? '0').replace(/,/g, ''));
    await expect.poll(samples, { timeout: 30_000 }).toBeGreaterThan(0);
    const first = await samples();
    await expect.poll(samples, { timeout: 30_000 }).toBeGreaterThan(first);
    await screenshot(page, '14-live');
    // The inverted tree follows the live capture too (issue 14): its roots are the sampled functions.
    await page.getByRole('button', { name: 'Inverted', exact: true }).click();
    await expect.poll(async () => (await flameNames(page)).some((n) => HOT.includes(n)), { timeout: 30_000 }).toBe(true);
    await page.getByRole('button', { name: 'Call tree', exact: true }).click();
    await page.getByTestId('capture-stop').click();

    // The saved capture: its hot functions are drawn.
    await page.getByRole('button', { name: 'Export pprof' }).and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await flameNames(page)).some((n) => HOT.includes(n)), { timeout: 30_000 }).toBe(true);
    const names = await flameNames(page);
    const hot = HOT.find((h) => names.includes(h));
    expect(hot).toBeDefined();
    await page.getByTestId('search').fill('spin_');
    await expect.poll(() => page.getByTestId('search-result').textContent()).toMatch(/samples match/);
    await screenshot(page, '15-captured');
    await page.getByTestId('search').fill('');

    await page.getByTestId('redact-pattern').fill('^spin_');
    await page.getByRole('button', { name: 'Add pattern' }).click();
    await expect.poll(async () => (await flameNames(page)).some((n) => HOT.includes(n))).toBe(false);

    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export pprof' }).click()]);
    const out = join(dir, 'capture.pb.gz');
    await dl.saveAs(out);
    const top = execFileSync('go', ['tool', 'pprof', '-top', out], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
    expect(top).toMatch(/flat%/);
    for (const h of HOT) expect(top).not.toContain(h);

    expect(await page.getByTestId('library-item').count()).toBeGreaterThan(0);
    await page.getByTestId('library-item').first().click();
    await page.locator('[data-testid="flame-graph"] g.frame').first().waitFor();
    expect(problems).toEqual([]);
  });

  it.skipIf(samplerMissing)('investigates the real capture: process level, inverted tree, sandwich, details (issue 14)', async () => {
    const { page, problems } = browser;
    if (await page.getByRole('button', { name: 'Remove pattern ^spin_' }).count()) await page.getByRole('button', { name: 'Remove pattern ^spin_' }).click();
    await expect.poll(async () => (await flameNames(page)).some((n) => HOT.includes(n)), { timeout: 30_000 }).toBe(true);
    const depth = (d: number, testId = 'flame-graph'): Promise<string[]> =>
      page.$$eval(`[data-testid="${testId}"] g.frame`, (gs, want) => gs.filter((g) => (g as unknown as { __data__: { depth: number } }).__data__.depth === want).map((g) => g.getAttribute('name') ?? ''), d);
    // One process captured (by name): no process level until asked; then the process is the level.
    expect(await page.getByTestId('by-process').isChecked()).toBe(false);
    await page.getByTestId('by-process').check();
    await expect.poll(() => depth(1)).toContain('hot-c');
    await page.getByTestId('by-process').uncheck();
    // Inverted: the heaviest spin_ function is a root.
    await page.getByRole('button', { name: 'Inverted', exact: true }).click();
    await expect.poll(async () => (await depth(1)).some((n) => HOT.includes(n))).toBe(true);
    await page.getByRole('button', { name: 'Call tree', exact: true }).click();
    // Sandwich of a hot function: its callers above, itself as both roots.
    const drawnNames = await flameNames(page);
    const hot = HOT.find((h) => drawnNames.includes(h)) ?? HOT[0] ?? '';
    await page.getByRole('button', { name: `Callers and callees of ${hot}` }).click();
    await page.getByTestId('sandwich').waitFor();
    expect(await page.getByTestId('sandwich-summary').textContent()).toMatch(new RegExp(`${hot}: total [\\d,]+ \\(`));
    // The callers chart draws after the sandwich's frame appears: wait for it, not just read it.
    await expect.poll(() => depth(0, 'sandwich-callers')).toEqual([hot]);
    await expect.poll(async () => (await depth(1, 'sandwich-callers')).length).toBeGreaterThan(0);
    await screenshot(page, '16-sandwich-captured');
    // Details of a caller of it (the sandwiched function is the root: a click there zooms out, as in the call tree): module and symbolization of a real binary.
    const caller = (await depth(1, 'sandwich-callers'))[0] ?? '';
    await page.locator(`[data-testid="sandwich-callers"] g.frame[name="${caller}"]`).first().click();
    await expect.poll(() => page.getByTestId('details-name').textContent()).toBe(caller);
    expect(await page.getByTestId('frame-details').textContent()).toMatch(/symbolized/);
    await page.getByRole('button', { name: 'Call tree', exact: true }).click();
    expect(problems).toEqual([]);
  });
});
