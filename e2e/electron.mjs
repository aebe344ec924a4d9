#!/usr/bin/env node
// `npm run e2e:electron`: the offline flow of e2e/offline.e2e.test.ts through Playwright's
// Electron launcher, against the built app (dist/electron/main.cjs; run `npm run build` first).
//
// Where no Electron binary is installed (these build machines: npm's `electron` package
// downloads it lazily from a host they cannot reach) it says so plainly and exits 0, so that
// `npm test` does not fail for what cannot run here; pass --require (or set
// EMBERSCOPE_REQUIRE_ELECTRON=1) to make a missing binary an error (exit 1) on machines that
// must run it. The same flow always runs in browser mode: `npx vitest run --project e2e`.
//
// EMBERSCOPE_ELECTRON=/path/to/electron picks a binary explicitly.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requireBinary = process.argv.includes('--require') || process.env.EMBERSCOPE_REQUIRE_ELECTRON === '1';

function electronBinary() {
  if (process.env.EMBERSCOPE_ELECTRON) return existsSync(process.env.EMBERSCOPE_ELECTRON) ? process.env.EMBERSCOPE_ELECTRON : null;
  // Not require('electron'): that would try to download the binary. Read what its install left.
  try {
    const pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(pkgDir, 'path.txt');
    if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
      const p = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
      return existsSync(p) ? p : null;
    }
    if (!existsSync(pathFile)) return null;
    const p = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (!binary) {
  console.log(
    'e2e:electron cannot run on this machine: no Electron binary is installed (the npm package downloads it lazily, ' +
      'and its download host is not reachable here). The same flow runs in browser mode: npx vitest run --project e2e.',
  );
  process.exit(requireBinary ? 1 : 0);
}
const main = join(root, 'dist/electron/main.cjs');
if (!existsSync(main) || !existsSync(join(root, 'dist/renderer/index.html'))) {
  console.error('e2e:electron: the app is not built; run `npm run build` first.');
  process.exit(1);
}

const { _electron } = await import('playwright-core');
const dir = await mkdtemp(join(tmpdir(), 'emberscope-electron-'));
const folded = join(dir, 'service.folded');
await writeFile(
  folded,
  [
    'hot-c;main;serve;handle_request;spin_parse_request 180',
    'hot-c;main;serve;handle_request;compress_response;spin_compress_block 520',
    'hot-c;main;serve;handle_request;auth_check;spin_verify_session_token 240',
  ].join('\n'),
);

const step = (text) => console.log(`e2e:electron: ${text}`);
let app;
let failed = false;
try {
  app = await _electron.launch({
    executablePath: binary,
    args: [main],
    env: { ...process.env, EMBERSCOPE_DATA_DIR: join(dir, 'data'), XDG_DATA_HOME: join(dir, 'xdg') },
  });
  const page = await app.firstWindow();
  await page.getByRole('heading', { name: 'Linux CPU profiles, least privilege' }).waitFor();
  if (!page.url().startsWith('app://emberscope/')) throw new Error(`the UI was loaded from ${page.url()}, not app://emberscope/`);
  step(`UI loaded from ${page.url()}`);

  const isolation = await page.evaluate(`({ api: typeof window.emberscope, process: typeof process, require: typeof require })`);
  if (isolation.api !== 'object' || isolation.process !== 'undefined' || isolation.require !== 'undefined') {
    throw new Error(`the page is not isolated: ${JSON.stringify(isolation)}`);
  }
  step('window.emberscope is there; process and require are not');

  await page.evaluate(`window.location.href = 'https://example.com/'`).catch(() => undefined);
  await page.waitForTimeout(300);
  if (!page.url().startsWith('app://emberscope/')) throw new Error('navigation away from the app was not blocked');
  step('navigation to a remote page was refused');

  await page.getByTestId('import-input').first().setInputFiles(folded);
  await page.locator('[data-testid="flame-graph"] g.frame[name="spin_compress_block"]').waitFor();
  step('imported profile drawn; hot function spin_compress_block present');

  await page.getByTestId('search').fill('compress_block');
  await page.getByText('520 of 940 samples match').waitFor();
  step('search highlights it');

  await page.getByTestId('redact-pattern').fill('compress_block');
  await page.getByRole('button', { name: 'Add pattern' }).click();
  await page.locator('[data-testid="flame-graph"] g.frame[name="spin_compress_block"]').waitFor({ state: 'detached' });
  step('a redaction pattern hides it');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export pprof' }).click()]);
  await download.saveAs(join(dir, 'export.pb.gz'));
  step('exported pprof with redaction');

  await page.getByTestId('library-item').first().click();
  await page.locator('[data-testid="flame-graph"] g.frame').first().waitFor();
  step('reopened from the library');
  await page.screenshot({ path: join(root, 'e2e/screenshots/electron.png') }).catch(() => undefined);
  console.log('e2e:electron: passed');
} catch (e) {
  failed = true;
  console.error(`e2e:electron: FAILED: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  await app?.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
