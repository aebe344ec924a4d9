// The host screens of the UI (host list, fingerprint confirmation, privilege review, setup with
// its commands and progress, live capture) over the scripted host of the in-memory test double
// (e2e/support/memory-services.ts). This checks the UI's behaviour and keeps screenshots of
// those screens; the real SSH/BPF path is e2e/capture.e2e.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserMode, type BrowserMode } from '../electron/browser/server';
import type { Services } from '../electron/services/types';
import { launch, type Browser } from './support/chromium';
import { buildRenderer, removeRenderer, flameNames, screenshot } from './support/harness';
import { createMemoryServices } from './support/memory-services';

let services: Services;
let mode: BrowserMode;
let browser: Browser;

beforeAll(async () => {
  const rendererDir = buildRenderer();
  services = createMemoryServices({ demoHost: true });
  mode = await startBrowserMode({ open: false, services, rendererDir, print: () => undefined });
  browser = await launch();
});

afterAll(async () => {
  removeRenderer();
  await browser?.close();
  await mode?.close();
  await services?.close();
});

describe('host screens (scripted host)', () => {
  it('adds, searches and removes a host', async () => {
    const { page } = browser;
    await page.goto(mode.url);
    await page.getByRole('button', { name: 'Add a host' }).click();
    await page.getByRole('dialog', { name: 'Add a host' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('staging-db');
    await page.getByLabel('Host name or address').fill('bad host!');
    await page.getByRole('button', { name: 'Save host' }).click();
    await page.getByText('Enter a host name or IP address').waitFor();
    await page.getByLabel('Host name or address').fill('10.1.2.3');
    await page.getByLabel('User', { exact: true }).fill('deploy');
    await page.getByRole('button', { name: 'Save host' }).click();
    await page.getByRole('button', { name: /staging-db/ }).waitFor();
    await page.getByPlaceholder('Search hosts').fill('prod');
    expect(await page.getByRole('list', { name: 'Hosts' }).getByRole('listitem').count()).toBe(1);
    await page.getByPlaceholder('Search hosts').fill('');
    await page.getByRole('button', { name: /staging-db/ }).click();
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('button', { name: 'Really remove' }).click();
    await expect.poll(() => page.getByRole('button', { name: /staging-db/ }).count()).toBe(0);
  });

  it('connects with a fingerprint confirmation, reviews, sets up and captures live', async () => {
    const { page, problems } = browser;
    await page.getByRole('button', { name: /api-prod-3/ }).click();
    await page.getByTestId('connect').click();
    await page.getByRole('dialog', { name: 'Is this the right host?' }).waitFor();
    expect(await page.getByTestId('fingerprint').textContent()).toMatch(/^SHA256:/);
    await screenshot(page, '20-fingerprint');
    await page.getByTestId('fingerprint-accept').click();

    await page.getByRole('heading', { name: 'Privilege review' }).waitFor();
    await page.getByTestId('warning-kptr').locator('summary').click();
    expect(await page.getByTestId('warning-kptr').textContent()).toContain('sudo sysctl -w kernel.kptr_restrict=1');
    await page.getByTestId('setup-plan').click();
    await page.getByTestId('setup-commands').waitFor();
    expect(await page.getByTestId('setup-commands').textContent()).toContain('setcap cap_bpf,cap_perfmon=ep');
    await screenshot(page, '21-review-and-setup');
    await page.getByTestId('setup-run').click();
    await page.getByText('Setup finished and verified.').waitFor();

    await page.getByTestId('capture-start').click();
    const samples = async (): Promise<number> => Number(((await page.getByTestId('live-samples').textContent()) ?? '0').replace(/,/g, ''));
    await expect.poll(samples).toBeGreaterThan(100);
    await expect.poll(async () => (await flameNames(page)).includes('spin_verify_session_token'), { timeout: 10_000 }).toBe(true);
    await screenshot(page, '22-live-capture');
    // Zoom survives the live updates (a new snapshot arrives about every second).
    await page.locator('[data-testid="flame-graph"] g.frame[name="handle_request"]').click();
    await page.getByText('Zoomed into').waitFor();
    const before = await samples();
    await expect.poll(samples).toBeGreaterThan(before + 120);
    await page.waitForTimeout(300);
    expect(await page.locator('.flame-zoom-note').textContent()).toBe('Zoomed into handle_request');
    await page.getByTestId('capture-stop').click();
    await expect.poll(() => page.getByTestId('library-item').count()).toBe(1);
    await page.getByRole('button', { name: 'Export pprof' }).and(page.locator(':enabled')).waitFor();
    expect(problems).toEqual([]);
  });
});
