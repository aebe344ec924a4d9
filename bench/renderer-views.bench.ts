// Renderer benchmark of the investigation views (issue 14), in Debian's chromium through browser
// mode, on synthetic profiles of about 50k and 200k distinct stacks spread over 8 processes:
// each interaction timed from the user's input to the next paint after its graph was drawn
// (the chart's `emberscope:chart-drawn` mark, then two animation frames). Interactions:
// switch to the inverted tree and back, open the sandwich of the heaviest function, toggle the
// process level, focus on one process, merge a function into its callers and remove the step,
// hover a frame (tooltip and every instance marked). Target: ≤ 100 ms at 200k stacks.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrowserMode } from '../electron/browser/server';
import { launch } from '../e2e/support/chromium';
import { buildRenderer, removeRenderer } from '../e2e/support/harness';
import { createMemoryServices } from '../e2e/support/memory-services';
import { syntheticPprof } from '../e2e/support/profiles';
import { median, range, type BenchRow } from './stats';

const PROCESSES = 8;
const TARGET_MS = 100;

/**
 * Clicks what `find` returns, waits for `charts` chart-drawn marks (or `until` to hold), then two
 * frames. The expressions are written into the source: the page's CSP forbids eval, so a
 * `new Function` inside an animation-frame callback would throw and the wait would never end.
 */
const act = (step: Step): string => `(async () => {
  const el = (${step.find});
  if (!el) throw new Error(${JSON.stringify(`nothing to act on: ${step.find}`)});
  performance.clearMarks('emberscope:chart-drawn');
  const t0 = performance.now();
  if (${step.hover === true}) el.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, clientX: 300, clientY: 300 }));
  else el.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  const done = () => performance.getEntriesByName('emberscope:chart-drawn').length >= ${step.charts} && Boolean(${step.until ?? 'true'});
  await new Promise((resolve, reject) => {
    const limit = t0 + 20000;
    const check = () => { if (done()) resolve(); else if (performance.now() > limit) reject(new Error(${JSON.stringify(`timed out: ${step.label}`)})); else requestAnimationFrame(check); };
    check();
  });
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return performance.now() - t0;
})()`;

const button = (group: string, text: string): string =>
  `[...document.querySelectorAll('[aria-label="${group}"] button')].find((b) => b.textContent.trim() === '${text}')`;

interface Step {
  readonly label: string;
  readonly find: string;
  readonly charts: number;
  readonly until?: string;
  readonly hover?: boolean;
  /** Done first, not timed. */
  readonly before?: string;
}

const STEPS: readonly Step[] = [
  { label: 'switch to Inverted', find: button('View', 'Inverted'), charts: 1 },
  { label: 'back to Call tree', find: button('View', 'Call tree'), charts: 1 },
  { label: 'open the sandwich of the heaviest function (⇅ in Top functions)', find: `document.querySelector('.sandwich-button')`, charts: 2, until: `document.querySelector('[data-testid="sandwich-callees"] g.frame')` },
  { label: 'sandwich back to Call tree', find: button('View', 'Call tree'), charts: 1 },
  { label: 'process level off', find: `document.querySelector('[data-testid="by-process"]')`, charts: 1 },
  { label: 'process level on', find: `document.querySelector('[data-testid="by-process"]')`, charts: 1 },
  { label: 'focus on one process (picker "only")', before: `document.querySelector('[data-testid="process-picker"]').open = true`, find: `document.querySelector('[data-testid="process-picker"] button[aria-label^="Only process"]')`, charts: 1 },
  { label: 'show all processes again', find: `[...document.querySelectorAll('[data-testid="process-picker"] button')].find((b) => b.textContent.trim() === 'Show all')`, charts: 1 },
  {
    label: 'merge a function into its callers (details pane)',
    before: `(() => { const g = [...document.querySelectorAll('[data-testid="flame-graph"] g.frame')].filter((g) => g.__data__ && g.__data__.depth === 3).sort((a, b) => Number(b.getAttribute('width')) - Number(a.getAttribute('width')))[0]; if (!g) throw new Error('no frame at depth 3'); g.dispatchEvent(new MouseEvent('click', { bubbles: true })); })()`,
    find: `[...document.querySelectorAll('[data-testid="frame-details"] button')].find((b) => b.textContent.trim() === 'Merge into callers')`,
    charts: 1,
    until: `document.querySelector('[data-testid="transform"]')`,
  },
  { label: 'remove the transform (breadcrumb ×)', find: `document.querySelector('[data-testid="transform"] button')`, charts: 1, until: `!document.querySelector('[data-testid="transform"]')` },
  { label: 'hover a frame (tooltip, every instance marked)', find: `[...document.querySelectorAll('[data-testid="flame-graph"] g.frame')].find((g) => g.__data__ && g.__data__.depth === 4)`, charts: 0, hover: true, until: `document.querySelector('[role="tooltip"]') && document.querySelector('g.frame.same-fn')` },
];

export async function run(opts: { quick: boolean }): Promise<{ rows: BenchRow[] }> {
  const rendererDir = buildRenderer();
  const sizes = opts.quick ? [50_000] : [50_000, 200_000];
  const reps = opts.quick ? 2 : 5;
  const dir = await mkdtemp(join(tmpdir(), 'emberscope-bench-views-'));
  const services = createMemoryServices();
  const mode = await startBrowserMode({ open: false, services, rendererDir, print: () => undefined });
  const browser = await launch({ width: 1440, height: 900 });
  const rows: BenchRow[] = [];
  try {
    const { page } = browser;
    await page.goto(mode.url);
    await page.locator('.welcome').waitFor();
    for (const n of sizes) {
      const f = join(dir, `procs-${n}.pb.gz`);
      await writeFile(f, syntheticPprof(n, 1, PROCESSES));
      await page.getByTestId('import-input').first().setInputFiles(f);
      await page.locator('.profile-title h1', { hasText: `procs-${n}` }).waitFor({ timeout: 300_000 });
      await page.locator('[data-testid="flame-graph"] g.frame').first().waitFor({ timeout: 120_000 });
      await page.locator('[data-testid="top-functions"] .sandwich-button').first().waitFor({ timeout: 120_000 });
      const times = new Map<string, number[]>();
      for (let i = 0; i < reps; i++) {
        for (const step of STEPS) {
          if (step.before) {
            await page.evaluate(step.before);
            await page.waitForTimeout(300);
          }
          const ms = (await page.evaluate(act(step))) as number;
          times.set(step.label, [...(times.get(step.label) ?? []), ms]);
        }
        await page.mouse.move(0, 0);
        await page.evaluate(`document.querySelector('[data-testid="frame-details"] button[aria-label^="Close"]')?.click()`);
      }
      const label = `${Math.round(n / 1000)}k stacks, ${PROCESSES} processes`;
      for (const step of STEPS) {
        const t = times.get(step.label) ?? [];
        const big = n === 200_000;
        rows.push({ name: `${label}: ${step.label}`, median: median(t), ...range(t), n: t.length, unit: 'ms', ...(big ? { target: `≤ ${TARGET_MS} ms`, met: median(t) <= TARGET_MS } : {}) });
      }
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
