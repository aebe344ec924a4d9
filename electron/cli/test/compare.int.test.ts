// `emberscope compare` as a user runs it (the built CLI bundle, files and library ids), checked
// against the reference: for the same two files, the order by flat difference of `--json`'s
// `flat` list is the order of `go tool pprof -top -normalize -diff_base BASE TARGET`, and the
// -o file reads in `go tool pprof` with the same rows.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toFolded } from '../../../core/folded';
import { encodePprof } from '../../../core/pprof';
import { compareFixtures } from '../../../core/testing/compare-fixtures';
import { REPO } from '../../services/test/fixture-dist';

const run = promisify(execFile);
const CLI = join(REPO, 'dist', 'cli', 'emberscope.cjs');
let dir: string;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args, '--data-dir', join(dir, 'data')], { env: { ...process.env, EMBERSCOPE_NO_TTY: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function goTopNames(args: string[]): string[] {
  const go = ['/usr/bin/go', '/usr/lib/go/bin/go'].find((g) => existsSync(g));
  if (go === undefined) throw new Error('go is not installed: run scripts/install-system-deps (Debian golang-go)');
  const env = { ...process.env, HOME: dir, PPROF_TMPDIR: dir, GOFLAGS: '', GOTOOLCHAIN: 'local' };
  const r = spawnSync(go, ['tool', 'pprof', '-top', '-nodecount=1000', '-nodefraction=0', '-edgefraction=0', ...args], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`go tool pprof failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length >= 6 && c[1]?.endsWith('%') && /^-?[\d.]/.test(c[0] ?? ''))
    .map((c) => c.slice(5).join(' '));
}

interface JsonOut {
  readonly flat: readonly { name: string; selfDelta: number }[];
  readonly bySelf: { readonly regressions: readonly { name: string }[]; readonly improvements: readonly { name: string }[] };
  readonly normalization: string;
}

let baseFile = '';
let targetFile = '';
let targetFolded = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-compare-'));
  await run(process.execPath, [join(REPO, 'electron', 'cli', 'build.mjs')]);
  const { base: b, target: t } = compareFixtures();
  baseFile = join(dir, 'base.pb.gz');
  targetFile = join(dir, 'target.pb');
  targetFolded = join(dir, 'target.folded');
  await writeFile(baseFile, gzipSync(encodePprof(b)));
  await writeFile(targetFile, encodePprof(t));
  await writeFile(targetFolded, toFolded(t));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('emberscope compare', () => {
  it('orders by flat difference as go tool pprof -top -normalize -diff_base does (gzipped and plain pprof)', async () => {
    const r = await cli(['compare', baseFile, targetFile, '--json', '--top', '100']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.normalization).toMatch(/go tool pprof -normalize/);
    const reference = goTopNames(['-normalize', `-diff_base=${baseFile}`, targetFile]);
    expect(reference.length).toBeGreaterThan(5);
    expect(out.flat.map((f) => f.name)).toEqual(reference);
    // Without -normalize pprof ranks differently: the check can tell the two apart.
    expect(goTopNames([`-diff_base=${baseFile}`, targetFile])).not.toEqual(reference);
  });

  it('prints the tables with the normalization said, and writes the diff as pprof that go tool pprof reads', async () => {
    const diff = join(dir, 'diff.pb.gz');
    const r = await cli(['compare', baseFile, targetFolded, '--top', '3', '-o', diff, '--redact', 'none']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Normalized as go tool pprof -normalize does: the target's 3,030 samples are scaled ×0\.3300 to the base's 1,000/);
    const section = (title: string): string[] =>
      (r.stdout.split(`${title}\n`)[1] ?? '')
        .split('\n\n')[0]!
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/).pop() ?? '');
    expect(section('Regressions by self (flat)')).toEqual(['encode', 'sha_block', 'parse']);
    expect(section('Improvements by self (flat)')).toEqual(['tokenize', 'gc', 'read']);
    expect(section('Regressions by total (cum)')).toEqual(['encode', 'json', 'hash']);
    expect(r.stderr).toMatch(/wrote .*diff\.pb\.gz \(no redaction\)/);
    expect(goTopNames([diff])).toEqual(goTopNames(['-normalize', `-diff_base=${baseFile}`, targetFile]));
  });

  it('takes library ids, and refuses what is neither a file nor an id in one line', async () => {
    const a = await cli(['import', baseFile]);
    const b = await cli(['import', targetFile]);
    expect(a.code, a.stderr).toBe(0);
    const r = await cli(['compare', a.stdout.trim(), b.stdout.trim(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as JsonOut).bySelf.regressions[0]?.name).toBe('encode');
    const missing = await cli(['compare', baseFile, 'no-such-capture']);
    expect(missing.code).toBe(12);
    expect(missing.stderr.trim().split('\n')).toEqual(['emberscope: NOT_FOUND: "no-such-capture" is neither a readable file nor a capture id in the library.']);
    const junk = join(dir, 'junk.pb.gz');
    await writeFile(junk, Buffer.from('not gzip at all'));
    const bad = await cli(['compare', junk, targetFile]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stdout).toBe('');
  });
});
