// The lint step's Electron security scan (scripts/electron-scan.mjs) over a copy of the app's
// sources: clean as committed, failing on a finding nobody reviewed and on a reviewed finding
// that is no longer reported.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const script = join(repo, 'scripts/electron-scan.mjs');
const reviewed = join(repo, 'scripts/electron-scan.reviewed.json');
const temps: string[] = [];

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of what the scan reads (electron/, renderer/, package.json), to change at will. */
function copyOfSources(): string {
  const root = mkdtempSync(join(tmpdir(), 'emberscope-scan-test-'));
  temps.push(root);
  for (const part of ['electron', 'renderer']) {
    cpSync(join(repo, part), join(root, part), { recursive: true, filter: (src) => !src.includes('node_modules') });
  }
  cpSync(join(repo, 'package.json'), join(root, 'package.json'));
  return root;
}

function edit(path: string, from: string, to: string): void {
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
}

function runScan(root: string, reviewedFile = reviewed): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [script, '--root', root, '--reviewed', reviewedFile], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

// Each case runs the scanner in a child process (about 2 s here): the timeout is for hangs.
describe('electron-scan', { timeout: 120_000 }, () => {
  it('passes the committed sources with the committed reviewed findings', () => {
    const r = runScan(copyOfSources());
    expect(r.output).toMatch(/0 new, 0 stale, 0 unparsed/);
    expect(r.status).toBe(0);
  });

  it('fails on nodeIntegration: true in an unsandboxed window, naming the checks and the place', () => {
    const root = copyOfSources();
    const shell = join(root, 'electron/shell.ts');
    edit(shell, 'nodeIntegration: false,', 'nodeIntegration: true,');
    edit(shell, '      sandbox: true,\n', '');
    const r = runScan(root);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/NEW INFORMATIONAL NODE_INTEGRATION_JS_CHECK at electron\/shell\.ts:\d+:\d+/);
    expect(r.output).toMatch(/NEW MEDIUM SANDBOX_JS_CHECK at electron\/shell\.ts:\d+:\d+/);
    expect(r.output).toMatch(/2 new, 0 stale/);
  });

  it('fails on contextIsolation: false', () => {
    const root = copyOfSources();
    edit(join(root, 'electron/shell.ts'), 'contextIsolation: true,', 'contextIsolation: false,');
    const r = runScan(root);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/NEW HIGH CONTEXT_ISOLATION_JS_CHECK at electron\/shell\.ts:\d+:\d+/);
    expect(r.output).toMatch(/1 new, 0 stale/);
  });

  it('fails when a second window is opened without the hardened webPreferences', () => {
    const root = copyOfSources();
    writeFileSync(
      join(root, 'electron/about-window.ts'),
      "import { BrowserWindow } from 'electron';\nexport const about = (): BrowserWindow => new BrowserWindow({ width: 400, webPreferences: { contextIsolation: false } });\n",
    );
    const r = runScan(root);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/NEW HIGH CONTEXT_ISOLATION_JS_CHECK at electron\/about-window\.ts/);
    expect(r.output).toMatch(/NEW MEDIUM SANDBOX_JS_CHECK at electron\/about-window\.ts/);
  });

  it('fails when the page loses its CSP meta tag', () => {
    const root = copyOfSources();
    const html = join(root, 'renderer/index.html');
    writeFileSync(html, readFileSync(html, 'utf8').replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''));
    const r = runScan(root);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/NEW MEDIUM CSP_GLOBAL_CHECK/);
    expect(r.output).toMatch(/STALE reviewed finding CSP_GLOBAL_CHECK in renderer\/index\.html/);
  });

  it('fails on a reviewed finding the scanner no longer reports', () => {
    const extra = join(copyOfSources(), 'reviewed.json');
    const doc = JSON.parse(readFileSync(reviewed, 'utf8')) as { findings: unknown[] };
    doc.findings.push({ check: 'NODE_INTEGRATION_JS_CHECK', file: 'electron/shell.ts', reason: 'a test of staleness' });
    writeFileSync(extra, JSON.stringify(doc));
    const r = runScan(join(extra, '..'), extra);
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/STALE reviewed finding NODE_INTEGRATION_JS_CHECK in electron\/shell\.ts/);
  });
});
