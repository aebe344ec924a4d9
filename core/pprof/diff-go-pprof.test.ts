// The comparison against the reference: for the same two files, the order by flat (self)
// difference and the differences themselves are those of `go tool pprof -top -normalize
// -diff_base BASE TARGET` (Debian golang-go), and our diff export reads back in `go tool pprof`
// with the same rows. Tests may use Node; core code may not.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { diffProfiles } from '../profile/diff';
import { compareFixtures } from '../testing/compare-fixtures';
import { encodePprof } from './encode';
import { encodeDiffPprof } from './encode-diff';

function findGo(): string {
  for (const candidate of ['/usr/bin/go', '/usr/lib/go/bin/go', '/usr/local/go/bin/go']) if (existsSync(candidate)) return candidate;
  throw new Error('go is not installed: run scripts/install-system-deps (Debian golang-go) to check comparisons with `go tool pprof`');
}

const dir = mkdtempSync(join(tmpdir(), 'emberscope-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, gzipSync(bytes));
  return file;
}

function pprof(args: string[]): string {
  const env = { ...process.env, HOME: dir, PPROF_TMPDIR: dir, GOFLAGS: '', GOTOOLCHAIN: 'local' };
  const result = spawnSync(findGo(), ['tool', 'pprof', '-top', '-nodecount=1000', '-nodefraction=0', '-edgefraction=0', ...args], { env, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`go tool pprof ${args.join(' ')} failed (${String(result.status)}): ${result.stderr}`);
  expect(result.stderr).not.toMatch(/fail|error|malformed|unrecognized/i);
  return result.stdout;
}

const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, mins: 60, hrs: 3600 };

/** Rows of `-top`: [name, flat in seconds]. */
function topRows(stdout: string): [string, number][] {
  const rows: [string, number][] = [];
  for (const line of stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 6 || !cols[1]?.endsWith('%')) continue;
    const m = /^(-?[\d.]+)([a-zµ]*)$/.exec(cols[0] ?? '');
    if (!m) continue;
    const unit = m[2] === '' ? 1 : UNITS[m[2] as string];
    if (unit === undefined) throw new Error(`unknown unit in ${line}`);
    rows.push([cols.slice(5).join(' '), Number(m[1]) * unit]);
  }
  return rows;
}

describe('compare matches go tool pprof -diff_base', () => {
  const { base, target } = compareFixtures();
  const baseFile = write('base.pb.gz', encodePprof(base));
  const targetFile = write('target.pb.gz', encodePprof(target));
  const ours = diffProfiles(base, target);
  // Seconds of CPU of a base sample (what pprof's flat column counts in).
  const basePeriodS = base.meta.periodNs / 1e9;

  it('orders functions by flat difference as -top -normalize -diff_base does, with the same values', () => {
    const theirs = topRows(pprof(['-normalize', `-diff_base=${baseFile}`, targetFile]));
    expect(theirs.length).toBeGreaterThan(5);
    // pprof leaves out nodes whose flat and cum differences are both zero (here: main).
    const changed = ours.functions.filter((f) => f.selfDelta !== 0 || f.totalDelta !== 0);
    expect(changed.map((f) => f.name)).toEqual(theirs.map(([name]) => name));
    expect(ours.functions.find((f) => f.name === 'main')).toMatchObject({ selfDelta: 0, totalDelta: 0 });
    theirs.forEach(([name, flat], i) => {
      const mine = (changed[i]?.selfDelta ?? Number.NaN) * basePeriodS;
      // pprof prints three or four significant digits.
      expect(Math.abs(mine - flat), `${name}: ours ${mine}, pprof ${flat}`).toBeLessThanOrEqual(Math.max(0.006 * Math.abs(flat), 1e-3));
    });
  });

  it('the order is not that of a raw (unnormalized) difference: normalizing matters here', () => {
    const raw = topRows(pprof([`-diff_base=${baseFile}`, targetFile]));
    expect(raw.map(([name]) => name)).not.toEqual(ours.functions.map((f) => f.name));
  });

  it('the exported diff reads in go tool pprof with the rows of -diff_base', () => {
    const diffFile = write('diff.pb.gz', encodeDiffPprof(base, target));
    const fromExport = topRows(pprof([diffFile]));
    const fromGo = topRows(pprof(['-normalize', `-diff_base=${baseFile}`, targetFile]));
    expect(fromExport.map(([name]) => name)).toEqual(fromGo.map(([name]) => name));
    fromExport.forEach(([name, flat], i) => expect(flat, name).toBeCloseTo(fromGo[i]?.[1] ?? Number.NaN, 6));
    // The base alone, negated: only its samples carry pprof::base=true.
    const baseOnly = topRows(pprof(['-tagfocus=pprof::base=true', diffFile]));
    expect(baseOnly.find(([name]) => name === 'gc')?.[1]).toBeCloseTo(-50 * basePeriodS, 3);
    expect(baseOnly.find(([name]) => name === 'encode')).toBeUndefined();
  });
});
