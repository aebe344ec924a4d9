// Captures survive the window (issue 15), against the real test host in browser mode over the
// real services: an open-ended capture keeps running through a reload of the page, the
// reloaded page is back on its live view and its Stop works; a second capture on the same
// host is refused by the services; Disconnect asks while a capture runs, and after the yes
// the capture is stopped on the host (no sampler process left) and saved in the library.
//
// The one-time setup is run through the services (the UI's setup is e2e/capture's subject);
// it is removed again at the end the way a user removes it.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startBrowserMode, type BrowserMode } from '../electron/browser/server';
import { createServices } from '../electron/services/index';
import type { Prompts, Services } from '../electron/services/types';
import type { TestHost, Workload } from '../scripts/test-host';
import { launch, type Browser } from './support/chromium';
import { ROOT, buildRenderer, privateDist, removeRenderer, screenshot, waitOrError } from './support/harness';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const samplerMissing = !existsSync(join(ROOT, 'assets/manifest.json'));
if (!isRoot) console.warn('e2e/survive: skipped — needs root (the test host creates users).');

/** Sampler processes on this machine (the test host is on 127.0.0.1). */
async function samplers(): Promise<string[]> {
  const { stdout } = await run('pgrep', ['-a', '-f', 'emberscope-sampler']).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).filter((line) => Number(line.split(' ')[0]) !== process.pid);
}

describe.skipIf(!isRoot || samplerMissing)('captures survive the window', () => {
  let dir = '';
  let host: TestHost;
  let workload: Workload;
  let services: Services;
  let mode: BrowserMode;
  let browser: Browser;
  let hostId = '';
  const refuse = async (): Promise<null> => null;
  const trusting: Prompts = { confirmHostKey: async () => true, askPassphrase: refuse, askPassword: refuse };

  beforeAll(async () => {
    const rendererDir = buildRenderer();
    dir = await mkdtemp(join(tmpdir(), 'emberscope-e2e-survive-'));
    const distDir = await privateDist(join(dir, 'dist'));
    const { startTestHost } = await import('../scripts/test-host');
    host = await startTestHost({ sudo: 'nopasswd' });
    workload = await host.startWorkload('c', { seconds: 0 });
    const sshConfig = join(dir, 'ssh_config');
    await writeFile(sshConfig, '');
    services = await createServices({
      dataDir: join(dir, 'data'),
      sshConfigPath: sshConfig,
      userKnownHosts: [],
      appKnownHosts: join(dir, 'known_hosts'),
      distDir,
      keychainService: `emberscope-e2e-${process.pid}`,
    });
    hostId = (await services.hosts.add({ label: 'test-host', hostName: host.facts.host, user: host.facts.user, port: host.facts.port, identityFile: host.facts.identityFile, proxyJump: '' })).id;
    const session = await services.connect(hostId, trusting);
    try {
      const setup = await session.runSetup({ kernelSymbols: false, allowSysAdmin: false });
      expect(setup.ok, JSON.stringify(setup)).toBe(true);
    } finally {
      await session.close();
    }
    mode = await startBrowserMode({ open: false, services, rendererDir, print: () => undefined });
    browser = await launch();
  }, 300_000);

  afterAll(async () => {
    removeRenderer();
    await browser?.close();
    await mode?.close();
    if (services && hostId && existsSync('/usr/local/libexec/emberscope')) {
      const session = await services.connect(hostId, trusting);
      try {
        expect((await session.uninstall()).ok).toBe(true);
      } finally {
        await session.close();
      }
    }
    await services?.close();
    await workload?.stop();
    await host?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  const liveSamples = async (): Promise<number> => Number(((await browser.page.getByTestId('live-samples').first().textContent({ timeout: 1000 }).catch(() => '0')) ?? '0').replace(/,/g, ''));

  async function connectAndStart(): Promise<void> {
    const { page } = browser;
    await page.getByRole('list', { name: 'Hosts' }).getByRole('button', { name: /test-host/ }).click();
    if (await page.getByTestId('connect').count()) await page.getByTestId('connect').click();
    await waitOrError(page, page.getByRole('heading', { name: 'Privilege review' }), 120_000);
    await page.getByRole('radiogroup', { name: 'What to profile' }).getByText('Process name').click();
    await page.getByTestId('capture-comm').fill('hot-c');
    await page.getByTestId('capture-start').and(page.locator(':enabled')).click();
    await expect.poll(liveSamples, { timeout: 30_000 }).toBeGreaterThan(0);
  }

  it('a reload during an open-ended capture comes back to its live view, and Stop works', async () => {
    const { page, problems } = browser;
    onTestFailed(async () => {
      await screenshot(page, '40-survive-reload-failure');
    });
    await page.goto(mode.url);
    await connectAndStart();
    expect(await samplers()).toHaveLength(1);

    await page.reload();
    // Back on the live view of the same capture: the bar, its counter rising, the flame graph.
    await waitOrError(page, page.getByTestId('capture-stop'), 30_000);
    expect(await page.getByTestId('running-captures').textContent()).toContain('Capturing on test-host');
    const after = await liveSamples();
    await expect.poll(liveSamples, { timeout: 30_000 }).toBeGreaterThan(after);
    await page.locator('[data-testid="flame-graph"] g.frame').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('.status-dot.connected').count()).toBe(1);
    await screenshot(page, '40-survive-reloaded');

    // A second capture on the same host beside the running one is refused by the services.
    const again = await services.connect(hostId, trusting);
    try {
      await expect(services.capture.start(again, { hz: 99, seconds: 0, target: { kind: 'all' }, strict: false })).rejects.toMatchObject({ code: 'CAPTURE_BUSY' });
    } finally {
      await again.close();
    }
    expect(await samplers()).toHaveLength(1);

    const saved = await page.getByTestId('library-item').count();
    await page.getByTestId('capture-stop').click();
    await page.getByRole('button', { name: 'Export pprof' }).and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('library-item').count(), { timeout: 30_000 }).toBe(saved + 1);
    expect(await page.getByTestId('running-captures').count()).toBe(0);
    await expect.poll(samplers, { timeout: 15_000 }).toEqual([]);
    expect(problems).toEqual([]);
  }, 300_000);

  it('Disconnect asks while a capture runs, then stops it on the host and saves it', async () => {
    const { page, problems } = browser;
    onTestFailed(async () => {
      await screenshot(page, '41-survive-disconnect-failure');
    });
    await connectAndStart();
    const saved = await page.getByTestId('library-item').count();
    await page.getByRole('list', { name: 'Hosts' }).getByRole('button', { name: /test-host/ }).click();

    await page.getByRole('button', { name: 'Disconnect' }).click();
    const ask = page.getByRole('dialog', { name: 'Stop the capture and disconnect?' });
    await ask.waitFor();
    await screenshot(page, '41-survive-disconnect-ask');
    await ask.getByRole('button', { name: 'Keep capturing' }).click();
    await expect.poll(() => ask.count()).toBe(0);
    expect(await samplers()).toHaveLength(1);
    expect(await page.getByTestId('running-captures').count()).toBe(1);

    await page.getByRole('button', { name: 'Disconnect' }).click();
    await ask.getByTestId('disconnect-confirm').click();
    await expect.poll(() => page.getByTestId('running-captures').count(), { timeout: 60_000 }).toBe(0);
    await expect.poll(samplers, { timeout: 15_000 }).toEqual([]);
    await expect.poll(() => page.getByTestId('library-item').count(), { timeout: 30_000 }).toBe(saved + 1);
    expect(await page.locator('.status-dot.connected').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 300_000);
});
