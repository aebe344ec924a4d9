// `node scripts/electron-scan.mjs [--root DIR] [--reviewed FILE]`, run by `npm run lint`:
// electronegativity, the Electron security scanner, over what ships in the app: electron/ (main
// process and preload) and renderer/ (the page and its code), tests left out. Every finding must
// be in the reviewed file (scripts/electron-scan.reviewed.json, each with its reason). A new
// finding fails, and so does a reviewed one the scanner no longer reports: it is stale, or the
// scanner no longer sees the code it was about.
//
// Offline and the same on every machine: the scanner's network look-ups (updated translations,
// Electron's release list) are answered "not found" without a network, the check that needs the
// release list (AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK) is left out (keeping Electron current is
// the dependency updates' job), and the Electron version is the one package.json pins.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SCANNED = ['electron', 'renderer'];
const LEFT_OUT = /(^|[\\/])node_modules([\\/]|$)|\.test\.[cm]?[jt]sx?$/;
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];

const here = dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: {
    root: { type: 'string', default: join(here, '..') },
    reviewed: { type: 'string', default: join(here, 'electron-scan.reviewed.json') },
  },
});

const started = performance.now();
const reviewed = readReviewed(opts.reviewed);
const electronVersion = pinnedElectron(opts.root);
const stage = mkdtempSync(join(tmpdir(), 'emberscope-electron-scan-'));
let result;
let fileCount;
try {
  fileCount = stageSources(opts.root, stage);
  result = await scan(stage, electronVersion);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

const findings = result.issues.map((i) => ({
  check: i.id,
  file: i.file.split(sep).join('/'),
  at: `${i.location.line}:${i.location.column}`,
  severity: i.severity.name,
  description: String(i.description).split('\n')[0],
}));
const { fresh, stale } = compare(findings, reviewed);
const unparsed = result.errors.filter((e) => !e.tolerable);
const seconds = ((performance.now() - started) / 1000).toFixed(1);

for (const e of result.errors.filter((x) => x.tolerable)) console.error(`electron-scan: warning: ${relative(stage, e.file)}: ${e.message}`);
for (const e of unparsed) console.error(`electron-scan: could not parse ${relative(stage, e.file)} (the scanner cannot see it): ${e.message}`);
for (const f of fresh) console.error(`electron-scan: NEW ${f.severity} ${f.check} at ${f.file}:${f.at}: ${f.description}`);
for (const r of stale) console.error(`electron-scan: STALE reviewed finding ${r.check} in ${r.file} is no longer reported: remove it from ${relative(process.cwd(), opts.reviewed)}, or find why the scanner no longer sees it.`);
console.error(
  `electron-scan: electronegativity ${scannerVersion()}, Electron ${electronVersion}, ${result.globalChecks + result.atomicChecks} checks over ${fileCount} files in ${seconds} s: ` +
    `${findings.length} findings, ${findings.length - fresh.length} reviewed, ${fresh.length} new, ${stale.length} stale, ${unparsed.length} unparsed`,
);
if (fresh.length > 0) console.error(`electron-scan: fix each new finding, or add it with its reason to ${relative(process.cwd(), opts.reviewed)} once reviewed.`);
process.exitCode = fresh.length > 0 || stale.length > 0 || unparsed.length > 0 ? 1 : 0;

/** The reviewed findings: [{ check, file, reason }], each one matching one finding. */
function readReviewed(path) {
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  const list = Array.isArray(doc.findings) ? doc.findings : null;
  const ok = (v) => typeof v === 'string' && v.trim() !== '';
  if (!list || !list.every((r) => ok(r.check) && ok(r.file) && ok(r.reason))) {
    throw new Error(`${path}: expected { "findings": [{ "check", "file", "reason" }, ...] }, every field a non-empty string`);
  }
  return list;
}

function pinnedElectron(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const version = pkg.dependencies?.electron ?? pkg.devDependencies?.electron;
  if (!/^\d+\.\d+\.\d+$/.test(version ?? '')) throw new Error(`${root}/package.json: electron must be pinned to an exact version (found ${version})`);
  return version;
}

/** Copies the scanned folders without tests into `stage`; returns how many files it copied. */
function stageSources(root, stage) {
  for (const part of SCANNED) {
    cpSync(join(root, part), join(stage, part), { recursive: true, filter: (src) => !LEFT_OUT.test(relative(root, src)) });
  }
  return readdirSync(stage, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length;
}

async function scan(input, version) {
  const require = createRequire(import.meta.url);
  const scanner = createRequire(require.resolve('@doyensec/electronegativity/package.json'));
  const notFound = async () => ({ statusCode: 404, headers: {}, body: '' });
  const gotPath = scanner.resolve('got');
  require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: Object.assign(notFound, { head: notFound, get: notFound }) };
  const run = scanner('./dist/runner.js');
  return run({
    input,
    isRelative: true,
    electronVersionOverride: version,
    excludeFromScan: EXCLUDED_CHECKS,
  });
}

function scannerVersion() {
  const require = createRequire(import.meta.url);
  return JSON.parse(readFileSync(require.resolve('@doyensec/electronegativity/package.json'), 'utf8')).version;
}

/** Findings no reviewed entry accounts for, and reviewed entries no finding matches. */
function compare(found, expected) {
  const left = [...expected];
  const fresh = [];
  for (const f of found) {
    const at = left.findIndex((r) => r.check === f.check && r.file === f.file);
    if (at < 0) fresh.push(f);
    else left.splice(at, 1);
  }
  return { fresh, stale: left };
}
