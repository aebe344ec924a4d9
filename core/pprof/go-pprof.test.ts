// Checks an export with the reference reader, `go tool pprof` (Debian golang-go, installed by
// scripts/install-system-deps). Tests may use Node; core code may not.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ProfileBuilder } from '../profile/builder';
import { makeFrame, type Profile } from '../profile/types';
import { encodePprof } from './encode';
import { decodePprof } from './decode';
import { topFunctions } from '../profile/top';
import { profileInRange } from '../profile/timeline';
import { redactProfile } from '../redaction/redactor';

function findGo(): string {
  for (const candidate of ['/usr/bin/go', '/usr/lib/go/bin/go', '/usr/local/go/bin/go']) if (existsSync(candidate)) return candidate;
  throw new Error('go is not installed: run scripts/install-system-deps (Debian golang-go) to validate pprof exports with `go tool pprof`');
}

const dir = mkdtempSync(join(tmpdir(), 'emberscope-pprof-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `go tool pprof -proto`: the profile as Go's own encoder writes it. */
function goReencode(bytes: Uint8Array): Uint8Array {
  const file = join(dir, `r${Math.random().toString(16).slice(2)}.pb.gz`);
  writeFileSync(file, gzipSync(bytes));
  const env = { ...process.env, HOME: dir, PPROF_TMPDIR: dir, GOFLAGS: '', GOTOOLCHAIN: 'local' };
  const result = spawnSync(findGo(), ['tool', 'pprof', '-proto', file], { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`go tool pprof -proto failed (${String(result.status)}): ${result.stderr.toString()}`);
  return gunzipSync(result.stdout);
}

function goTop(bytes: Uint8Array, args: readonly string[] = []): { stdout: string; stderr: string } {
  const file = join(dir, `p${Math.random().toString(16).slice(2)}.pb.gz`);
  writeFileSync(file, gzipSync(bytes));
  const env = { ...process.env, HOME: dir, PPROF_TMPDIR: dir, GOFLAGS: '', GOTOOLCHAIN: 'local' };
  const result = spawnSync(findGo(), ['tool', 'pprof', '-top', '-nodecount=20', ...args, file], { env, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`go tool pprof failed (${String(result.status)}): ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

/**
 * stderr without pprof's note that no local binary was found for demo (frame demo+0x1f00 is
 * unnamed, so its mapping asks pprof to name it from one: go-pprof-names.test.ts); the note must
 * be there once, and nothing else may be.
 */
function withoutMissingBinaryNote(stderr: string): string {
  const note = /^Local symbolization failed for demo \(build ID [0-9a-f]+\): open \S+: no such file or directory\nSome binary filenames not available\. Symbolization may be incomplete\.\nTry setting PPROF_BINARY_PATH to the search path for local binaries\.\n/m;
  expect(stderr).toMatch(note);
  return stderr.replace(note, '');
}

function demoProfile(): Profile {
  const b = new ProfileBuilder({ hz: 99, startTimeMs: Date.UTC(2026, 10, 23), endTimeMs: Date.UTC(2026, 10, 23) + 10_000 });
  const mod = { module: '/opt/demo/bin/demo', buildId: '0123456789abcdef0123456789abcdef01234567' };
  b.apply({
    newFrames: [
      { id: 0, frame: makeFrame('main', { ...mod, address: '0x401000', file: 'demo.c', line: 5 }) },
      { id: 1, frame: makeFrame('sha_block', { ...mod, address: '0x401100', file: 'sha.c', line: 77 }) },
      { id: 2, frame: makeFrame('parse_request', { ...mod, address: '0x401200' }) },
      { id: 3, frame: makeFrame('demo+0x1f00', { ...mod, address: '0x401f00', status: 'no-symbols' }) },
      { id: 4, frame: makeFrame('copy_user_generic', { kind: 'kernel', address: '0xffffffff81234567' }) },
    ],
    newStacks: [
      { id: 0, frames: [1, 0] },
      { id: 1, frames: [2, 0] },
      { id: 2, frames: [4, 3, 0] },
    ],
    counts: [
      { stackId: 0, comm: 'demo', pid: 10, tid: 10, count: 600 },
      { stackId: 1, comm: 'demo', pid: 10, tid: 11, count: 300 },
      { stackId: 2, comm: 'demo', pid: 10, tid: 11, count: 100 },
    ],
    stats: { samples: 1000, lost: { mapFull: 0, userStackErrors: 0, kernelStackErrors: 0, other: 0 } },
  });
  return b.snapshot();
}

function flatShares(stdout: string): Record<string, string | undefined> {
  const rows = stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 6 && cols[1]?.endsWith('%'));
  return Object.fromEntries(rows.map((cols) => [cols.slice(5).join(' '), cols[1]]));
}

describe('go tool pprof reads our exports', () => {
  it('shows the hot functions with their share, without symbolization complaints', () => {
    const { stdout, stderr } = goTop(encodePprof(demoProfile()));
    expect(withoutMissingBinaryNote(stderr)).not.toMatch(/fail|error|malformed|unrecognized/i);
    expect(stdout).toMatch(/Type: cpu/);
    // 1000 samples at 99 Hz ≈ 10.1 s of CPU.
    expect(stdout).toMatch(/Total samples = 10\.10s/);
    const flat = flatShares(stdout);
    expect(flat).toMatchObject({ sha_block: '60.00%', parse_request: '30.00%', copy_user_generic: '10.00%' });
    expect(Object.keys(flat)[0]).toBe('sha_block');
  });

  it('decodes what Go\'s own encoder writes back (go tool pprof -proto)', () => {
    const original = demoProfile();
    const back = decodePprof(goReencode(encodePprof(original)));
    expect(back.meta.sampleCount).toBe(1000);
    expect(back.meta.hz).toBe(99);
    const top = topFunctions(back).functions.map((f) => [f.name, f.self, f.kind]);
    expect(top.slice(0, 3)).toEqual([
      ['sha_block', 600, 'user'],
      ['parse_request', 300, 'user'],
      ['copy_user_generic', 100, 'kernel'],
    ]);
    expect(back.frames.find((f) => f.name === 'sha_block')).toMatchObject({ file: 'sha.c', line: 77, module: '/opt/demo/bin/demo', buildId: '0123456789abcdef0123456789abcdef01234567', status: 'symbolized' });
    expect(new Set(back.samples.map((s) => `${s.comm}/${s.pid}/${s.tid}`))).toEqual(new Set(['demo/10/10', 'demo/10/11']));
  });

  it('reads the timeline: -tagfocus on the elapsed label selects the same range as the app', () => {
    const t0 = Date.UTC(2026, 10, 23);
    const b = new ProfileBuilder({ hz: 100, startTimeMs: t0, timeline: { startMs: t0, bucketMs: 1000 } });
    for (let s = 0; s < 6; s++) {
      b.apply({
        newFrames: s === 0 ? [{ id: 1, frame: makeFrame('main') }, { id: 2, frame: makeFrame('steady') }, { id: 3, frame: makeFrame('burst') }] : [],
        newStacks: s === 0 ? [{ id: 1, frames: [2, 1] }, { id: 2, frames: [3, 1] }] : [],
        counts: [{ stackId: 1, comm: 'app', pid: 1, tid: 1, count: 10 }, ...(s === 3 || s === 4 ? [{ stackId: 2, comm: 'app', pid: 1, tid: 1, count: 30 }] : [])],
        stats: { samples: 0, lost: { mapFull: 0, userStackErrors: 0, kernelStackErrors: 0, other: 0 } },
        timeMs: t0 + (s + 1) * 1000 + 5,
      });
    }
    const profile = b.snapshot();
    const { stdout, stderr } = goTop(encodePprof(profile), ['-tagfocus=elapsed=3s:4s']);
    expect(stderr).not.toMatch(/fail|error|malformed|unrecognized/i);
    const inRange = topFunctions(profileInRange(profile, { from: 3, to: 5 }));
    const share = (name: string): string => `${((100 * (inRange.functions.find((f) => f.name === name)?.self ?? 0)) / profile.meta.sampleCount).toFixed(2)}%`;
    expect(flatShares(stdout)).toMatchObject({ burst: share('burst'), steady: share('steady') });
    expect(share('burst')).toBe('50.00%');
  });

  it('reads a strict-redacted export: masked names and one [kernel] frame, same shares', () => {
    const key = new Uint8Array(32).fill(3);
    const { profile } = redactProfile(demoProfile(), { preset: 'strict', key, patterns: ['^sha_'] });
    const masked = profile.frames.find((f) => f.name.startsWith('fn:'))?.name ?? '';
    expect(masked).toMatch(/^fn:[0-9a-f]{8}$/);
    const { stdout, stderr } = goTop(encodePprof(profile));
    expect(withoutMissingBinaryNote(stderr)).not.toMatch(/fail|error|malformed|unrecognized/i);
    expect(flatShares(stdout)).toMatchObject({ [masked]: '60.00%', parse_request: '30.00%', '[kernel]': '10.00%' });
    expect(stdout).not.toMatch(/sha_block|copy_user_generic|\/opt\/demo/);
  });
});
