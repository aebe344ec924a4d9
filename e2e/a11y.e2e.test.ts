// Accessibility of every main screen in Debian's chromium over browser mode and the scripted host
// of the in-memory test double: axe-core (WCAG 2 A/AA rules and best practices) must find no
// serious or critical violation on the welcome, the host list and its add-host dialog, the
// fingerprint dialog, the privilege review, the capture form and live capture, a profile in the
// flame graph (Top functions, redaction, timeline), the Inverted and Sandwich views, the frame
// details, Compare with two captures and the export confirmation. Keyboard focus must land on a
// control (never <body>) after Start, Stop and closing a dialog.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { encodePprof } from '../core/pprof';
import { ProfileBuilder, makeFrame, NO_LOST } from '../core/profile';
import { startBrowserMode, type BrowserMode } from '../electron/browser/server';
import type { Services } from '../electron/services/types';
import { launch, type Browser } from './support/chromium';
import { buildRenderer, removeRenderer } from './support/harness';
import { createMemoryServices } from './support/memory-services';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: { readonly target: string[]; readonly html: string; readonly summary: string }[];
}

// Page-side code as strings: this tsconfig has no DOM types, as in the other e2e tests.
const RUN_AXE = `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
  id: v.id, impact: v.impact ?? null, help: v.help,
  nodes: v.nodes.map((n) => ({ target: n.target.map(String), html: n.html, summary: n.failureSummary ?? '' })),
})))`;

/**
 * axe's serious and critical violations on the page as it is. The page's CSP (script-src 'self')
 * refuses an inline <script> (page.addScriptTag), so the source goes in through CDP's
 * Runtime.evaluate (page.evaluate of a string), which the CSP does not govern.
 */
async function axeViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  const all = (await page.evaluate(RUN_AXE)) as Violation[];
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

function report(screen: string, violations: Violation[]): string {
  const lines = violations.flatMap((v) => [
    `${v.id} (${v.impact}): ${v.help}`,
    ...v.nodes.slice(0, 6).map((n) => `    ${n.target.join(' ')}  ${n.html.replace(/\s+/g, ' ').slice(0, 140)}\n      ${n.summary.split('\n').slice(1, 2).join('').trim().slice(0, 160)}`),
    ...(v.nodes.length > 6 ? [`    …and ${v.nodes.length - 6} more`] : []),
  ]);
  return `axe on "${screen}": ${violations.length} serious/critical rule(s)\n  ${lines.join('\n  ')}`;
}

async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await axeViolations(page);
  // Soft: one run lists every screen's violations, not only the first screen's.
  expect.soft(violations.length === 0 ? '' : report(screen, violations)).toBe('');
}

/** What has keyboard focus, for a readable failure ('body' when focus fell out of the UI). */
const focused = async (page: Page): Promise<string> =>
  String(
    await page.evaluate(`(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return 'body';
      return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' + (e.getAttribute('aria-label') ?? e.textContent ?? '').trim().slice(0, 40) + '"';
    })()`),
  );

/** 20 one-second buckets over two processes, so the timeline strip and the process picker show. */
function timelinePprof(): Buffer {
  const t0 = Date.UTC(2026, 11, 1, 9, 0, 0);
  const b = new ProfileBuilder({ hz: 99, startTimeMs: t0, timeline: { startMs: t0, bucketMs: 1000 } });
  const names = ['main', 'serve', 'hash_bytes', 'sha_block', 'checkpoint_flush'];
  for (let s = 0; s < 20; s++) {
    b.apply({
      newFrames: s === 0 ? names.map((n, id) => ({ id, frame: makeFrame(n, { module: '/usr/lib/app', file: `${n}.c`, line: 10 + id }) })) : [],
      newStacks: s === 0 ? [{ id: 1, frames: [3, 2, 1, 0] }, { id: 2, frames: [2, 1, 0] }, { id: 3, frames: [4, 0] }] : [],
      counts: [
        { stackId: 1, comm: 'api', pid: 100, tid: 100, count: 20 },
        { stackId: 2, comm: 'api', pid: 100, tid: 101, count: 5 },
        ...(s >= 12 && s < 16 ? [{ stackId: 3, comm: 'db', pid: 200, tid: 200, count: 60 }] : []),
      ],
      stats: { samples: 0, lost: NO_LOST },
      timeMs: t0 + (s + 1) * 1000 + 4,
    });
  }
  return gzipSync(encodePprof(b.snapshot()));
}

let dir = '';
let services: Services;
let mode: BrowserMode;
let browser: Browser;

beforeAll(async () => {
  const rendererDir = buildRenderer();
  dir = await mkdtemp(join(tmpdir(), 'emberscope-e2e-a11y-'));
  services = createMemoryServices({ demoHost: true });
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

describe('accessibility (axe-core, serious and critical)', () => {
  it('the welcome and the add-host dialog; focus returns to the opener when the dialog closes', async () => {
    const { page } = browser;
    await page.goto(mode.url);
    await page.locator('.welcome').waitFor();
    await page.getByRole('button', { name: /api-prod-3/ }).waitFor();
    await expectAccessible(page, 'welcome and host list');

    await page.getByRole('button', { name: 'Add a host' }).click();
    await page.getByRole('dialog', { name: 'Add a host' }).waitFor();
    await page.getByRole('button', { name: 'Save host' }).click(); // shows the field errors too
    await expectAccessible(page, 'add-host dialog');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Add a host' }).waitFor({ state: 'detached' });
    expect.soft(await focused(page)).toMatch(/"Add a host"/);
  });

  it('the fingerprint dialog, the privilege review, the setup and the capture form', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: /api-prod-3/ }).click();
    await page.getByTestId('connect').waitFor();
    await expectAccessible(page, 'host, not connected');
    await page.getByTestId('connect').click();
    await page.getByRole('dialog', { name: 'Is this the right host?' }).waitFor();
    await expectAccessible(page, 'fingerprint dialog');
    await page.getByTestId('fingerprint-accept').click();
    await page.getByRole('heading', { name: 'Privilege review' }).waitFor();
    expect.soft(await focused(page)).not.toBe('body');
    await page.getByTestId('warning-kptr').locator('summary').click();
    await page.getByTestId('setup-plan').click();
    await page.getByTestId('setup-commands').waitFor();
    await expectAccessible(page, 'privilege review and setup plan');
    await page.getByTestId('setup-run').click();
    await page.getByText('Setup finished and verified.').waitFor();
    await expectAccessible(page, 'capture form');
  });

  it('the live capture; focus stays on a control after Start and after Stop', async () => {
    const { page } = browser;
    await page.getByTestId('capture-start').click();
    await page.getByTestId('capture-stop').waitFor();
    await page.waitForFunction('document.activeElement !== document.body', null, { timeout: 2000 }).catch(() => undefined);
    expect.soft(await focused(page)).toMatch(/^button "Stop"/);
    await page.locator('[data-testid="flame-graph"] g.frame').first().waitFor();
    await expectAccessible(page, 'live capture');
    await page.getByTestId('capture-stop').click();
    await expect.poll(() => page.getByTestId('library-item').count()).toBe(1);
    await page.getByRole('button', { name: 'Export pprof' }).and(page.locator(':enabled')).waitFor();
    expect.soft(await focused(page)).toMatch(/^button "Export pprof"/);
  });

  it('a profile in the flame graph with Top functions, redaction, timeline; Inverted, Sandwich, frame details', async () => {
    const { page, problems } = browser;
    const file = join(dir, 'two-processes.pb.gz');
    await writeFile(file, timelinePprof());
    await page.getByTestId('import-input').first().setInputFiles(file);
    await expect.poll(() => page.getByTestId('library-item').count()).toBe(2);
    await page.getByTestId('timeline').waitFor();
    await page.locator('[data-testid="flame-graph"] g.frame').first().waitFor();
    await page.getByTestId('process-picker').locator('summary').click();
    await expectAccessible(page, 'flame graph, library with captures');

    await page.getByRole('button', { name: 'Inverted', exact: true }).click();
    await page.locator('[data-testid="flame-graph"] g.frame[name="sha_block"]').first().waitFor();
    await expectAccessible(page, 'inverted');

    await page.getByRole('button', { name: 'Call tree', exact: true }).click();
    await page.getByRole('button', { name: 'Callers and callees of hash_bytes' }).click();
    await page.getByTestId('sandwich').waitFor();
    await expectAccessible(page, 'sandwich');

    await page.getByRole('button', { name: 'Call tree', exact: true }).click();
    await page.locator('[data-testid="flame-graph"] g.frame[name="hash_bytes"]').first().click();
    await page.getByTestId('frame-details').waitFor();
    await expectAccessible(page, 'frame details');
    expect(problems).toEqual([]);
  });

  it('the export confirmation dialog; focus returns to the export button when it closes', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'none', exact: true }).click();
    await page.getByRole('button', { name: 'Export pprof' }).click();
    await page.getByRole('dialog', { name: 'Export without redaction?' }).waitFor();
    await expectAccessible(page, 'export confirmation dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect.soft(await focused(page)).toMatch(/"Export pprof"/);
  });

  it('Compare with two captures', async () => {
    const { page, problems } = browser;
    await page.getByTestId('tab-compare').click();
    const option = async (testId: string, index: number): Promise<string> => (await page.locator(`[data-testid="${testId}"] option:not([value=""])`).nth(index).getAttribute('value')) ?? '';
    await page.getByTestId('compare-base').selectOption(await option('compare-base', 1));
    await page.getByTestId('compare-target').selectOption(await option('compare-target', 0));
    await page.getByTestId('compare-run').click();
    await page.locator('[data-testid="diff-flame-graph"] g.frame').first().waitFor();
    await expectAccessible(page, 'compare');
    expect(problems).toEqual([]);
  });

  it('keeps the focus on a control through an inline confirmation', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Delete two-processes' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toMatch(/^button "Keep"/);
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toMatch(/^button "Delete two-processes"/);
  });
});
