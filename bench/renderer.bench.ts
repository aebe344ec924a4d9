// Renderer benchmark: in Debian's chromium, through browser mode, for synthetic profiles of
// about 10k, 50k and 200k flame-graph nodes: first paint (click in the library → frames drawn
// and two animation frames later), zoom (click on a frame → painted) and search (typing → the
// matched share shown and painted). Medians of repeated runs, in milliseconds.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrowserMode } from '../electron/browser/server';
import { launch } from '../e2e/support/chromium';
import { buildRenderer, removeRenderer } from '../e2e/support/harness';
import { createMemoryServices } from '../e2e/support/memory-services';
import { syntheticPprof } from '../e2e/support/profiles';
import { median, range, type BenchRow } from './stats';

const OPEN = `(async (title) => {
  performance.clearMarks();
  const item = [...document.querySelectorAll('[data-testid="library-item"]')].find((i) => i.textContent.includes(title));
  const t0 = performance.now();
  item.click();
  await new Promise((resolve) => {
    const check = () => {
      const h1 = document.querySelector('.profile-title h1');
      const frames = document.querySelectorAll('[data-testid="flame-graph"] g.frame').length;
      if (h1 && h1.textContent === title && frames > 0) resolve(); else requestAnimationFrame(check);
    };
    check();
  });
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const mark = (n) => (performance.getEntriesByName('emberscope:' + n).pop() || { startTime: NaN }).startTime - t0;
  return { ms: performance.now() - t0, received: mark('profile-received'), tree: mark('tree-built'), chart: mark('chart-drawn'), frames: document.querySelectorAll('[data-testid="flame-graph"] g.frame').length,
           nodes: Number(document.querySelector('[data-testid="flame-graph"]').getAttribute('data-nodes')) };
})`;

const ZOOM = `(async () => {
  const frames = [...document.querySelectorAll('[data-testid="flame-graph"] g.frame')];
  const target = frames.find((g) => { const w = Number(g.getAttribute('width')); return w > 150 && w < 700; }) || frames[Math.floor(frames.length / 2)];
  const t0 = performance.now();
  target.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
})()`;

const SEARCH = `(async (term) => {
  const input = document.querySelector('[data-testid="search"]');
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
  const result = document.querySelector('[data-testid="search-result"]');
  const t0 = performance.now();
  setter.call(input, term);
  input.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise((resolve) => {
    const check = () => { if (term === '' ? result.textContent === '' : /match/i.test(result.textContent)) resolve(); else requestAnimationFrame(check); };
    check();
  });
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
})`;

export async function run(opts: { quick: boolean }): Promise<{ rows: BenchRow[] }> {
  const rendererDir = buildRenderer();
  const sizes = opts.quick ? [10_000, 50_000] : [10_000, 50_000, 200_000];
  const reps = opts.quick ? 2 : 5;
  const dir = await mkdtemp(join(tmpdir(), 'emberscope-bench-'));
  const services = createMemoryServices();
  const mode = await startBrowserMode({ open: false, services, rendererDir, print: () => undefined });
  const browser = await launch({ width: 1440, height: 900 });
  const rows: BenchRow[] = [];
  try {
    const { page } = browser;
    await page.goto(mode.url);
    await page.locator('.welcome').waitFor();
    const files: string[] = [];
    for (const n of sizes) {
      const f = join(dir, `synthetic-${n}.pb.gz`);
      await writeFile(f, syntheticPprof(n));
      files.push(f);
    }
    const small = join(dir, 'tiny.folded');
    await writeFile(small, 'main;a 1\nmain;b 2');
    await page.getByTestId('import-input').first().setInputFiles([small, ...files]);
    const deadline = Date.now() + 300_000;
    while ((await page.getByTestId('library-item').count()) < sizes.length + 1) {
      if (Date.now() > deadline) throw new Error('the synthetic profiles were not imported within 5 minutes');
      await page.waitForTimeout(200);
    }

    for (const n of sizes) {
      const title = `synthetic-${n}`;
      const paint: number[] = [];
      const received: number[] = [];
      const treeBuilt: number[] = [];
      const chartDrawn: number[] = [];
      const zoom: number[] = [];
      const search: number[] = [];
      let drawn = { frames: 0, nodes: 0 };
      for (let i = 0; i < reps; i++) {
        await page.evaluate(`(${OPEN})('tiny')`);
        const r = (await page.evaluate(`(${OPEN})(${JSON.stringify(title)})`)) as { ms: number; received: number; tree: number; chart: number; frames: number; nodes: number };
        paint.push(r.ms);
        received.push(r.received);
        treeBuilt.push(r.tree);
        chartDrawn.push(r.chart);
        drawn = { frames: r.frames, nodes: r.nodes };
        zoom.push((await page.evaluate(ZOOM)) as number);
        await page.getByRole('button', { name: 'Reset zoom' }).click();
        search.push((await page.evaluate(`(${SEARCH})('_sys')`)) as number);
        await page.evaluate(`(${SEARCH})('')`);
      }
      const label = `${Math.round(n / 1000)}k nodes`;
      const big = n === 200_000;
      rows.push({ name: `${label}: open + first paint`, median: median(paint), ...range(paint), n: paint.length, unit: 'ms',
        ...(big ? { target: '≤ 300 ms', met: median(paint) <= 300 } : {}) });
      rows.push({ name: `${label}: of which profile received over the API (JSON)`, median: median(received), ...range(received), unit: 'ms' });
      rows.push({ name: `${label}: of which flame tree built`, median: median(treeBuilt), ...range(treeBuilt), unit: 'ms' });
      rows.push({ name: `${label}: of which chart drawn (d3-flame-graph)`, median: median(chartDrawn), ...range(chartDrawn), unit: 'ms' });
      rows.push({ name: `${label}: zoom`, median: median(zoom), ...range(zoom), n: zoom.length, unit: 'ms',
        ...(big ? { target: '≤ 150 ms', met: median(zoom) <= 150 } : {}) });
      rows.push({ name: `${label}: search`, median: median(search), ...range(search), n: search.length, unit: 'ms' });
      rows.push({ name: `${label}: tree nodes kept / frames drawn`, median: `${drawn.nodes} / ${drawn.frames}` });
    }
  } finally {
    await browser.close();
    await mode.close();
    await services.close();
    await rm(dir, { recursive: true, force: true });
    removeRenderer();
  }
  return { rows };
}
