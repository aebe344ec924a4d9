// `npm run bench [-- --quick] [-- --out FILE] [NAME...]`: runs every bench/*.bench.ts (or those
// whose file name contains a NAME), writes bench/results.json (or FILE) and prints a markdown
// table that marks each target met or missed. A benchmark module exports `run({ quick })`
// returning `{ rows: [{ name, median, min?, max?, n?, unit?, target?, met? }], ...details }`
// (or a flat record of figures). The exit status is 1 only when a benchmark crashed: a missed
// target is a finding, not a failure. Benchmarks need root (BPF, test users, perf, bpftrace) and
// the tools of scripts/install-system-deps, and a build (npm run build).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const quick = process.argv.includes('--quick');
const outIndex = process.argv.indexOf('--out');
const outFile = outIndex >= 0 ? process.argv[outIndex + 1] : 'bench/results.json';
const only = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--out');

const files = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

if (process.env.EMBERSCOPE_BENCH_CHILD) {
  // One benchmark, in its own process (under tsx, so that it can be TypeScript): its result,
  // or its error, goes to the file the parent named.
  const [file, resultFile] = [process.env.EMBERSCOPE_BENCH_FILE, process.env.EMBERSCOPE_BENCH_RESULT];
  let out;
  try {
    const mod = await import(pathToFileURL(join(root, 'bench', file)).href);
    out = { result: await mod.run({ quick }) };
  } catch (error) {
    console.error(error);
    out = { error: String(error instanceof Error ? error.message : error) };
  }
  writeFileSync(resultFile, JSON.stringify(out));
  process.exit(0);
}

const results = { machine: machineFacts(), quick, startedAt: new Date().toISOString(), benchmarks: {} };
const table = ['| benchmark | figure | median | min–max | n | unit | target |', '| --- | --- | --- | --- | --- | --- | --- |'];
const targets = [];
let failures = 0;
const scratch = mkdtempSync(join(tmpdir(), 'emberscope-bench-'));
// Ctrl-C or a kill reaches the running benchmark's whole process group (it runs detached), which
// gets 10 s to clean up before SIGKILL; then this process leaves with the signal's status.
let running;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, async () => {
    interrupted = true;
    console.error(`bench: ${signal}: stopping${running ? ' the running benchmark' : ''}`);
    if (running) await stopGroup(running, signal);
    rmSync(scratch, { recursive: true, force: true });
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}
for (const file of files) {
  if (interrupted) break;
  const name = file.replace(/\.bench\.ts$/, '');
  console.error(`bench: ${name}${quick ? ' (quick)' : ''}`);
  const outcome = await runOne(file, join(scratch, `${name}.json`));
  if (interrupted) await new Promise(() => undefined); // the signal handler exits
  if ('result' in outcome) {
    results.benchmarks[name] = outcome.result;
    for (const row of rowsOf(outcome.result)) {
      table.push(formatRow(name, row));
      if (row.target !== undefined) targets.push({ benchmark: name, figure: row.name, target: row.target, median: row.median, min: row.min, max: row.max, n: row.n, unit: row.unit, met: row.met === true, ...(row.note ? { note: row.note } : {}) });
    }
  } else {
    failures++;
    results.benchmarks[name] = { error: outcome.error };
    table.push(`| ${name} | failed: ${outcome.error.split('\n')[0]} | | | | | |`);
  }
}
rmSync(scratch, { recursive: true, force: true });
results.finishedAt = new Date().toISOString();
results.targets = targets;
writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
console.log(table.join('\n'));
if (targets.length > 0) {
  console.log('\n| target | figure | median | result |\n| --- | --- | --- | --- |');
  for (const t of targets) console.log(`| ${t.target} | ${t.benchmark}: ${t.figure} | ${fmt(t.median)} ${t.unit ?? ''} | ${t.met ? 'met' : '**missed**'}${t.note ? ` (${t.note})` : ''} |`);
}
console.error(`bench: results in ${outFile}${failures > 0 ? `; ${failures} benchmark(s) crashed` : ''}`);
process.exit(failures > 0 ? 1 : 0);

/**
 * Runs one benchmark in its own process group, so that a hung one (a page that never answers)
 * is killed with everything it started at its time limit and counted as crashed, never holding
 * up the rest: EMBERSCOPE_BENCH_LIMIT_S, by default 15 minutes quick and 90 minutes in full.
 */
function runOne(file, resultFile) {
  const limitS = Number(process.env.EMBERSCOPE_BENCH_LIMIT_S ?? (quick ? 900 : 5400));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
      env: { ...process.env, EMBERSCOPE_BENCH_CHILD: '1', EMBERSCOPE_BENCH_FILE: file, EMBERSCOPE_BENCH_RESULT: resultFile },
    });
    running = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, limitS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      if (timedOut) return resolve({ error: `did not finish within ${limitS} s (killed with what it started)` });
      try {
        resolve(JSON.parse(readFileSync(resultFile, 'utf8')));
      } catch {
        resolve({ error: `exited ${signal ?? `with status ${code}`} before writing its result` });
      }
    });
  });
}

/** Signals a benchmark's process group; SIGKILL to what is left after 10 s. */
async function stopGroup(child, signal) {
  const gone = new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));
  const kill = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // the group is gone
    }
  };
  kill(signal);
  await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  // The leader may be gone while some of its group lingers.
  kill('SIGKILL');
}

function rowsOf(result) {
  if (result && Array.isArray(result.rows)) return result.rows;
  return Object.entries(result ?? {}).map(([name, value]) =>
    typeof value === 'number' ? { name, median: value } : { name, median: JSON.stringify(value) },
  );
}

function fmt(v) {
  if (typeof v !== 'number') return v ?? '';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

function formatRow(bench, row) {
  const range = row.min !== undefined ? `${fmt(row.min)}–${fmt(row.max)}` : '';
  const target = row.target === undefined ? '' : `${row.target}${row.met === false ? ' **missed**' : row.met === true ? ' met' : ''}${row.note ? ` (${row.note})` : ''}`;
  return `| ${bench} | ${row.name} | ${fmt(row.median)} | ${range} | ${row.n ?? ''} | ${row.unit ?? ''} | ${target} |`;
}

function machineFacts() {
  const out = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    kernel: out('uname', ['-r']),
    cpus: Number(out('nproc', [])),
    node: process.version,
    perf: out('perf', ['--version']),
    bpftrace: out('bpftrace', ['--version']),
    loadAverageAtStart: out('cat', ['/proc/loadavg']),
    commit: out('git', ['rev-parse', '--short', 'HEAD']),
    note: 'shared 2-CPU machine: other engineers run tests concurrently, so absolute figures drift; read the within-run ratios',
  };
}
