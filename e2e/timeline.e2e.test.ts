// The timeline strip in Chromium, on an imported pprof file that carries a timeline (as a
// saved capture does): samples per second stacked by process, a dragged range that every view
// follows, the keyboard, the redaction of process names, and the whole capture back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodePprof } from '../core/pprof';
import { ProfileBuilder, makeFrame, NO_LOST } from '../core/profile';
import { startBrowserMode, type BrowserMode } from '../electron/browser/server';
import type { Services } from '../electron/services/types';
import { launch, type Browser } from './support/chromium';
import { buildRenderer, flameNames, removeRenderer, screenshot } from './support/harness';
import { offlineServices } from './support/services';

let dir = '';
let services: Services;
let mode: BrowserMode;
let browser: Browser;

beforeAll(async () => {
  const rendererDir = buildRenderer();
  dir = await mkdtemp(join(tmpdir(), 'emberscope-e2e-timeline-'));
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

/** 20 one-second intervals: `steady_work` (process "api") in each, `checkpoint_flush` (process "db") only in seconds 12–15. */
function captureWithBurst(): Uint8Array {
  const t0 = Date.UTC(2026, 11, 1, 9, 0, 0);
  const b = new ProfileBuilder({ hz: 99, startTimeMs: t0, timeline: { startMs: t0, bucketMs: 1000 } });
  for (let s = 0; s < 20; s++) {
    const burst = s >= 12 && s < 16;
    b.apply({
      newFrames: s === 0 ? [{ id: 1, frame: makeFrame('main') }, { id: 2, frame: makeFrame('steady_work') }, { id: 3, frame: makeFrame('checkpoint_flush') }] : [],
      newStacks: s === 0 ? [{ id: 1, frames: [2, 1] }, { id: 2, frames: [3, 1] }] : [],
      counts: [{ stackId: 1, comm: 'api', pid: 100, tid: 100, count: 20 }, ...(burst ? [{ stackId: 2, comm: 'db', pid: 200, tid: 200, count: 60 }] : [])],
      stats: { samples: 0, lost: NO_LOST },
      timeMs: t0 + (s + 1) * 1000 + 4,
    });
  }
  return encodePprof(b.snapshot());
}

describe('timeline', () => {
  it('draws samples over time by process; a dragged range narrows every view; Escape brings the whole capture back', async () => {
    const { page, problems } = browser;
    await page.goto(mode.url);
    const file = join(dir, 'burst.pb.gz');
    await writeFile(file, gzipSync(captureWithBurst()));
    await page.getByTestId('import-input').first().setInputFiles(file);
    await page.locator('[data-testid="flame-graph"] g.frame').first().waitFor();

    const strip = page.getByTestId('timeline');
    await strip.waitFor();
    expect(await page.getByTestId('timeline-range').textContent()).toBe('Whole capture, 0.0–20.0 s: drag to select a range');
    // One bar per second for "api", four for "db", stacked on top.
    expect(await strip.locator('g.series-0 rect').count()).toBe(20);
    expect(await strip.locator('g.series-1 rect').count()).toBe(4);
    expect(await strip.locator('.timeline-legend').textContent()).toBe('apidb');
    expect(await page.getByTestId('profile-samples').textContent()).toBe('640');

    // Drag across seconds 12–15 (the bars' own positions, whatever the width of the window).
    const chart = strip.locator('svg.timeline-chart');
    const box = await chart.boundingBox();
    if (!box) throw new Error('the timeline has no box');
    const x = (bucket: number): number => box.x + ((bucket + 0.5) / 20) * box.width;
    await page.mouse.move(x(12), box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(x(14), box.y + box.height / 2, { steps: 4 });
    await page.mouse.move(x(15), box.y + box.height / 2, { steps: 2 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('timeline-range').textContent()).toBe('Showing 12.0–16.0 s: 320 of 640 samples');
    // The flame graph and the table show the range only: 80 steady + 240 checkpoint samples.
    await expect.poll(async () => (await page.locator('[data-testid="flame-graph"] g.frame[name="checkpoint_flush"]').count()) > 0).toBe(true);
    await expect.poll(() => page.locator('[data-testid="top-functions"] tbody tr').first().textContent()).toContain('checkpoint_flush');
    const topRow = (await page.locator('[data-testid="top-functions"] tbody tr').first().textContent()) ?? '';
    expect(topRow).toContain('240');
    await screenshot(page, '40-timeline-range');

    // The keyboard moves the range (its width kept) and clears it.
    await chart.focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('timeline-range').textContent()).toBe('Showing 11.0–15.0 s: 260 of 640 samples');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('timeline-range').textContent()).toBe('Whole capture, 0.0–20.0 s: drag to select a range');
    expect(await flameNames(page)).toContain('steady_work');

    // A range outside the burst: the burst's function is gone from the graph.
    await page.mouse.move(x(2), box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(x(5), box.y + box.height / 2, { steps: 3 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('timeline-range').textContent()).toBe('Showing 2.0–6.0 s: 80 of 640 samples');
    await expect.poll(async () => (await flameNames(page)).includes('checkpoint_flush')).toBe(false);

    // Anonymizing processes renames the strip's series too.
    await page.getByTestId('redact-anonymizeProcesses').check();
    await expect.poll(async () => (await strip.locator('.timeline-legend').textContent()) ?? '').not.toContain('api');
    await page.getByTestId('redact-anonymizeProcesses').uncheck();
    await page.getByTestId('timeline-clear').click();
    await expect.poll(() => page.getByTestId('timeline-range').textContent()).toMatch(/^Whole capture/);
    expect(problems).toEqual([]);
  });
});
