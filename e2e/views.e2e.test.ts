// The investigation views in Debian's chromium over browser mode and the real services, on an
// imported multi-process pprof and a folded file: the process level (on by default, its names
// follow "Anonymize processes"), the process/thread picker, the inverted tree (its roots are the
// sampled functions), the sandwich (callers and callees merged, widths in proportion to the
// samples), transforms with their breadcrumb (and in an export only when asked), the frame
// details pane, hover highlighting of every instance and tooltips on keyboard focus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { decodePprof, encodePprof } from '../core/pprof';
import { ProfileBuilder } from '../core/profile';
import { makeFrame, type DeltaCount } from '../core/profile/types';
import { startBrowserMode, type BrowserMode } from '../electron/browser/server';
import type { Services } from '../electron/services/types';
import { launch, type Browser } from './support/chromium';
import { ROOT, buildRenderer, removeRenderer, screenshot } from './support/harness';
import { SERVICE_FOLDED } from './support/profiles';
import { offlineServices } from './support/services';

/** Root-first paths per process and thread; hash_bytes: total 550, self 50, called from eval (300) and serve (250). */
const ROWS: readonly [string, number, number, string, number][] = [
  ['python3', 200, 200, 'main;eval;hash_bytes;sha_block', 300],
  ['python3', 200, 201, 'main;eval;json_dump', 100],
  ['workload', 300, 300, 'main;serve;hash_bytes;sha_block', 200],
  ['workload', 300, 300, 'main;serve;compress', 150],
  ['workload', 300, 300, 'main;serve;hash_bytes', 50],
  ['chromium', 400, 401, 'main;render;layout', 80],
];
const TOTAL = 880;

function multiProcessPprof(): Buffer {
  const builder = new ProfileBuilder({ hz: 99, startTimeMs: 1_700_000_000_000, endTimeMs: 1_700_000_010_000 });
  const ids = new Map<string, number>();
  const newFrames: { id: number; frame: ReturnType<typeof makeFrame> }[] = [];
  const frameId = (name: string): number => {
    let id = ids.get(name);
    if (id === undefined) {
      id = ids.size;
      ids.set(name, id);
      newFrames.push({ id, frame: makeFrame(name, { module: `/usr/lib/${name === 'sha_block' ? 'libcrypto.so.3' : 'app'}`, file: `${name}.c`, line: 10 + id }) });
    }
    return id;
  };
  const newStacks = ROWS.map(([, , , path], id) => ({ id, frames: path.split(';').reverse().map(frameId) }));
  const counts: DeltaCount[] = ROWS.map(([comm, pid, tid, , count], stackId) => ({ stackId, comm, pid, tid, count }));
  builder.apply({ newFrames, newStacks, counts, stats: { samples: TOTAL, lost: { mapFull: 0, userStackErrors: 0, kernelStackErrors: 0, other: 0 } } });
  return gzipSync(encodePprof(builder.snapshot()));
}

interface Drawn {
  readonly name: string;
  readonly depth: number;
  readonly width: number;
}

/** The frames a graph drew, with their depth in the tree (d3's datum) and width in pixels. */
async function drawn(page: Page, testId = 'flame-graph'): Promise<Drawn[]> {
  return page.$$eval(`[data-testid="${testId}"] g.frame`, (gs) =>
    gs.map((g) => ({ name: g.getAttribute('name') ?? '', depth: (g as unknown as { __data__: { depth: number } }).__data__.depth, width: Number(g.getAttribute('width')) })),
  );
}

const atDepth = async (page: Page, depth: number, testId?: string): Promise<string[]> => (await drawn(page, testId)).filter((f) => f.depth === depth).map((f) => f.name).sort();

let dir = '';
let services: Services;
let mode: BrowserMode;
let browser: Browser;
const DOCS = join(ROOT, 'docs/views');

beforeAll(async () => {
  const rendererDir = buildRenderer();
  dir = await mkdtemp(join(tmpdir(), 'emberscope-e2e-views-'));
  services = await offlineServices(join(dir, 'data'));
  mode = await startBrowserMode({ open: false, services, rendererDir, print: () => undefined });
  browser = await launch({ downloadsPath: join(dir, 'downloads'), width: 1440, height: 1000 });
});

afterAll(async () => {
  removeRenderer();
  await browser?.close();
  await mode?.close();
  await services?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The screenshot of a view, also kept in docs/views/ for the README. */
async function shot(page: Page, name: string): Promise<void> {
  const path = await screenshot(page, name);
  await mkdir(DOCS, { recursive: true });
  await copyFile(path, join(DOCS, `${name}.png`));
}

describe('investigation views', () => {
  it('splits an all-process capture by process, and anonymizing processes changes the level', async () => {
    const { page, problems } = browser;
    await page.goto(mode.url);
    await page.locator('.welcome').waitFor();
    const file = join(dir, 'all-procs.pb.gz');
    await writeFile(file, multiProcessPprof());
    await page.getByTestId('import-input').first().setInputFiles(file);
    await page.locator('[data-testid="flame-graph"] g.frame').first().waitFor();
    expect(await page.getByTestId('profile-samples').textContent()).toBe('880');

    // On by default (several pids): the level under the root is the processes.
    expect(await page.getByTestId('by-process').isChecked()).toBe(true);
    await expect.poll(() => atDepth(page, 1)).toEqual(['chromium', 'python3', 'workload']);
    expect(await atDepth(page, 2)).toEqual(['main', 'main', 'main']);
    await shot(page, 'views-process-level');

    // The picker: focus on one process, then a thread, then all again.
    await page.getByTestId('process-picker').locator('summary').click();
    expect(await page.getByTestId('process-row').count()).toBe(3);
    await page.getByRole('button', { name: 'Only process python3 200' }).click();
    await expect.poll(() => atDepth(page, 1)).toEqual(['python3']);
    expect(await page.getByTestId('transforms').textContent()).toContain('Only process 200');
    expect(await page.getByTestId('transform-dropped').textContent()).toBe('480 samples left out');
    await page.getByRole('button', { name: 'Only thread python3 201' }).click();
    await expect.poll(async () => (await drawn(page)).map((f) => f.name)).not.toContain('hash_bytes');
    await shot(page, 'views-process-picker');
    await page.getByRole('button', { name: 'Show all' }).click();
    await expect.poll(() => atDepth(page, 1)).toEqual(['chromium', 'python3', 'workload']);
    await page.getByRole('checkbox', { name: 'Show process chromium 400' }).uncheck();
    await expect.poll(() => atDepth(page, 1)).toEqual(['python3', 'workload']);
    await page.getByRole('checkbox', { name: 'Show process chromium 400' }).check();
    await expect.poll(() => atDepth(page, 1)).toEqual(['chromium', 'python3', 'workload']);

    // Anonymize processes: the process nodes become masks, the picker shows new numbers.
    await page.getByTestId('redact-anonymizeProcesses').check();
    await expect.poll(async () => (await atDepth(page, 1)).every((n) => /^proc:[0-9a-f]+$/.test(n))).toBe(true);
    expect(await atDepth(page, 1)).toHaveLength(3);
    const picker = (await page.getByTestId('process-picker').textContent()) ?? '';
    expect(picker).not.toContain('python3');
    expect(picker).toMatch(/pid 1\b/);
    await shot(page, 'views-anonymized-processes');
    await page.getByTestId('redact-anonymizeProcesses').uncheck();
    await expect.poll(() => atDepth(page, 1)).toEqual(['chromium', 'python3', 'workload']);

    // Off: one merged tree again.
    await page.getByTestId('by-process').uncheck();
    await expect.poll(() => atDepth(page, 1)).toEqual(['main']);
    expect(problems).toEqual([]);
  });

  it('draws the inverted tree rooted at the sampled functions', async () => {
    const { page, problems } = browser;
    await page.getByRole('button', { name: 'Inverted', exact: true }).click();
    // Roots: every function that is a leaf of some stack, each as wide as its self samples.
    await expect.poll(() => atDepth(page, 1)).toEqual(['compress', 'hash_bytes', 'json_dump', 'layout', 'sha_block']);
    const frames = await drawn(page);
    const rootWidth = frames.find((f) => f.depth === 0)?.width ?? 0;
    const sha = frames.find((f) => f.depth === 1 && f.name === 'sha_block')?.width ?? 0;
    expect(Math.abs(sha - (rootWidth * 500) / TOTAL)).toBeLessThan(2);
    // Under sha_block: its caller hash_bytes, then eval and serve.
    expect((await atDepth(page, 2)).filter((n) => n === 'hash_bytes')).toHaveLength(1);
    expect(await atDepth(page, 3)).toEqual(expect.arrayContaining(['eval', 'serve']));
    // The drawing toggle only flips it.
    await page.getByRole('button', { name: 'Root at top' }).click();
    await expect.poll(() => atDepth(page, 1)).toEqual(['compress', 'hash_bytes', 'json_dump', 'layout', 'sha_block']);
    await shot(page, 'views-inverted');
    await page.getByRole('button', { name: 'Root at bottom' }).click();
    expect(problems).toEqual([]);
  });

  it('shows a function with its callers and callees merged (sandwich), picked from the table or the search', async () => {
    const { page, problems } = browser;
    await page.getByRole('button', { name: 'Call tree', exact: true }).click();
    await page.getByRole('button', { name: 'Callers and callees of hash_bytes' }).click();
    await page.getByTestId('sandwich').waitFor();
    expect(await page.getByTestId('sandwich-summary').textContent()).toContain('hash_bytes: total 550 (62.5%), self 50 (5.7%)');
    // Callers above: eval (300) and serve (250), each under main.
    await expect.poll(() => atDepth(page, 1, 'sandwich-callers')).toEqual(['eval', 'serve']);
    const callers = await drawn(page, 'sandwich-callers');
    const w = (name: string, depth: number): number => callers.find((f) => f.name === name && f.depth === depth)?.width ?? 0;
    expect(Math.abs(w('eval', 1) / w('hash_bytes', 0) - 300 / 550)).toBeLessThan(0.01);
    expect(Math.abs(w('serve', 1) / w('hash_bytes', 0) - 250 / 550)).toBeLessThan(0.01);
    expect(await atDepth(page, 2, 'sandwich-callers')).toEqual(['main', 'main']);
    // Callees below: sha_block with 500 of the 550.
    await expect.poll(() => atDepth(page, 1, 'sandwich-callees')).toEqual(['sha_block']);
    const callees = await drawn(page, 'sandwich-callees');
    const ratio = (callees.find((f) => f.depth === 1)?.width ?? 0) / (callees.find((f) => f.depth === 0)?.width ?? 1);
    expect(Math.abs(ratio - 500 / 550)).toBeLessThan(0.01);
    await shot(page, 'views-sandwich');

    // From the search: the best match by total.
    await page.getByTestId('search').fill('json');
    await page.getByRole('button', { name: /Sandwich of the best match/ }).click();
    await expect.poll(() => page.getByTestId('sandwich-name').textContent()).toBe('json_dump');
    await page.getByTestId('search').fill('');
    expect(problems).toEqual([]);
  });

  it('applies transforms with a removable breadcrumb, and to an export only when asked', async () => {
    const { page, problems } = browser;
    await page.getByRole('button', { name: 'Call tree', exact: true }).click();
    const names = async (): Promise<string[]> => (await drawn(page)).map((f) => f.name);

    // Merge hash_bytes into its callers: it disappears, sha_block hangs under eval and serve.
    await page.locator('[data-testid="flame-graph"] g.frame[name="hash_bytes"]').first().click();
    await page.getByTestId('frame-details').waitFor();
    await page.getByTestId('frame-details').getByRole('button', { name: 'Merge into callers' }).click();
    await expect.poll(names).not.toContain('hash_bytes');
    expect((await names()).filter((n) => n === 'sha_block')).toHaveLength(2);
    expect(await page.getByTestId('transform').textContent()).toContain('Merge hash_bytes');
    await page.getByRole('button', { name: 'Remove Merge hash_bytes' }).click();
    await expect.poll(names).toContain('hash_bytes');
    expect(await page.getByTestId('transforms').count()).toBe(0);

    // Focus on a subtree: main › serve becomes the root's only child.
    await page.locator('[data-testid="flame-graph"] g.frame[name="serve"]').click();
    await page.getByTestId('frame-details').getByRole('button', { name: 'Focus on subtree' }).click();
    await expect.poll(() => atDepth(page, 1)).toEqual(['serve']);
    expect(await page.getByTestId('transform-dropped').textContent()).toBe('480 samples left out');
    await page.getByRole('button', { name: 'Full profile' }).click();
    await expect.poll(() => atDepth(page, 1)).toEqual(['main']);

    // Focus on a function, under a redaction that masks it: the export maps the mask back.
    await page.getByTestId('redact-pattern').fill('hash_bytes');
    await page.getByRole('button', { name: 'Add pattern' }).click();
    await expect.poll(async () => (await names()).some((n) => /^fn:[0-9a-f]{8}$/.test(n))).toBe(true);
    const masked = (await names()).find((n) => /^fn:[0-9a-f]{8}$/.test(n)) ?? '';
    await page.locator(`[data-testid="flame-graph"] g.frame[name="${masked}"]`).first().click();
    await page.getByTestId('frame-details').getByRole('button', { name: 'Focus on function' }).click();
    await expect.poll(() => atDepth(page, 1)).toEqual([masked]);
    await shot(page, 'views-transforms');

    const exportPprof = async (name: string) => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export pprof' }).click()]);
      const path = join(dir, name);
      await dl.saveAs(path);
      const bytes = gunzipSync(await readFile(path));
      return { profile: decodePprof(new Uint8Array(bytes)), bytes };
    };
    // Not asked: the whole profile.
    expect((await exportPprof('whole.pb.gz')).profile.meta.sampleCount).toBe(TOTAL);
    // Asked: only the focused samples, and still no original name of the masked function.
    await page.getByTestId('transforms-in-export').check();
    const focused = await exportPprof('focused.pb.gz');
    expect(focused.profile.meta.sampleCount).toBe(550);
    expect(focused.bytes.includes(Buffer.from('hash_bytes'))).toBe(false);
    expect(focused.profile.frames.map((f) => f.name)).toContain('sha_block');
    await expect.poll(() => page.getByTestId('notice').textContent()).toMatch(/1 transform applied/);
    await page.getByTestId('transforms-in-export').uncheck();
    await page.getByRole('button', { name: 'Full profile' }).click();
    await page.getByRole('button', { name: 'Remove pattern hash_bytes' }).click();
    expect(problems).toEqual([]);
  });

  it('details a frame, highlights every instance on hover and shows tooltips on keyboard focus', async () => {
    const { page, problems } = browser;
    await expect.poll(async () => (await drawn(page)).some((f) => f.name === 'hash_bytes')).toBe(true);
    await page.locator('[data-testid="flame-graph"] g.frame[name="sha_block"]').first().click();
    const details = page.getByTestId('frame-details');
    await expect.poll(() => page.getByTestId('details-name').textContent()).toBe('sha_block');
    expect(await page.getByTestId('details-function').textContent()).toBe('total 500 (56.8%), self 500 (56.8%)');
    expect(await page.getByTestId('details-node').textContent()).toMatch(/% of the capture, (100|80\.0)% of its parent\), self \d+/);
    // The pane honours the redaction: "crypto" is a default sensitive word, so the module is masked...
    expect(await details.textContent()).toMatch(/Modulelib:[0-9a-f]{8}/);
    await page.getByRole('button', { name: 'none', exact: true }).click();
    // ...and shown as captured once every rule is off.
    await expect.poll(() => details.textContent()).toContain('/usr/lib/libcrypto.so.3');
    const text = (await details.textContent()) ?? '';
    expect(text).toMatch(/sha_block\.c:\d+/);
    expect(text).toContain('user, symbolized');
    await page.context().grantPermissions(['clipboard-write'], { origin: new URL(mode.url).origin });
    await details.getByRole('button', { name: 'Copy name' }).click();
    await expect.poll(() => details.getByRole('button', { name: /Copied|Copy failed/ }).textContent()).toBe('Copied');
    // Read back by pasting (the page itself may not read the clipboard).
    await page.getByTestId('search').focus();
    await page.keyboard.press('Control+V');
    expect(await page.getByTestId('search').inputValue()).toBe('sha_block');
    await page.getByTestId('search').fill('');
    await shot(page, 'views-frame-details');

    // Hover one hash_bytes: both instances (under eval and under serve) are marked.
    await page.getByRole('button', { name: 'Reset zoom' }).click();
    await page.waitForTimeout(300);
    await page.locator('[data-testid="flame-graph"] g.frame[name="hash_bytes"]').first().hover();
    await expect.poll(() => page.locator('[data-testid="flame-graph"] g.frame.same-fn').count()).toBe(2);
    expect(await page.getByRole('tooltip').textContent()).toMatch(/of its parent/);
    await page.mouse.move(0, 0);
    await expect.poll(() => page.locator('[data-testid="flame-graph"] g.frame.same-fn').count()).toBe(0);

    // Keyboard: focusing a frame shows its tooltip and marks its instances.
    await page.locator('[data-testid="flame-graph"] g.frame[name="eval"]').focus();
    await page.getByRole('tooltip').waitFor();
    expect(await page.getByRole('tooltip').textContent()).toContain('eval');
    expect(await page.locator('[data-testid="flame-graph"] g.frame.same-fn').count()).toBe(1);
    await page.keyboard.press('Tab');
    expect(problems).toEqual([]);
  });

  it('works on an imported folded file: collapse recursion and the sandwich of a recursive function', async () => {
    const { page, problems } = browser;
    const file = join(dir, 'recursive.folded');
    await writeFile(file, `${SERVICE_FOLDED}\nhot-c;main;walk;visit;walk;visit;walk;leaf 90\nhot-c;main;walk;leaf 10`);
    await page.getByTestId('import-input').first().setInputFiles(file);
    await expect.poll(() => page.getByTestId('profile-samples').textContent()).toBe('1,275');
    // A folded file has no processes: no process level by default.
    expect(await page.getByTestId('by-process').isChecked()).toBe(false);
    await page.getByRole('button', { name: 'Callers and callees of walk' }).click();
    await expect.poll(() => page.getByTestId('sandwich-summary').textContent()).toContain('walk: total 100 (7.8%), self 0 (0.0%)');
    await expect.poll(() => atDepth(page, 1, 'sandwich-callers')).toEqual(['main']);
    expect(await atDepth(page, 1, 'sandwich-callees')).toEqual(['leaf', 'visit']);
    await page.getByRole('button', { name: 'Call tree', exact: true }).click();
    await page.locator('[data-testid="flame-graph"] g.frame[name="walk"]').first().click();
    await page.getByTestId('frame-details').getByRole('button', { name: 'Collapse recursion' }).click();
    await expect.poll(async () => (await drawn(page)).filter((f) => f.name === 'walk').length).toBe(1);
    expect((await drawn(page)).find((f) => f.name === 'leaf')?.depth).toBe(4);
    expect(problems).toEqual([]);
  });
});
