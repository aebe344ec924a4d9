// Names for frames in stripped libraries (issue 16): a C program that spends its time in libc's
// internal functions (memmove/strlen variants, qsort's merge sort: local symbols, absent from
// libc's .dynsym) with libc6-dbg installed. One sampler window, symbolized twice by the agent's
// symbolizer (before: the binary's own tables only; after: debug files and MiniDebugInfo), and
// `perf record -g` of the same process over the same seconds, `perf report`'s symbols for the
// leaves. Figures: named-leaf share (samples whose leaf frame has a name) for each, and the
// cost of a new binary with and without its debug file (libc, cold). Needs root, perf, libc6-dbg.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aggregator } from '../agent-remote/src/capture/aggregator';
import { RecordPump } from '../agent-remote/src/capture/record-pump';
import { BinaryCache, loadBinary, Symbolizer } from '../agent-remote/src/symbolize/symbolizer';
import { SAMPLER } from '../bpf/test/sampler-helpers';
import { ProfileBuilder, resolvedLeafFraction, symbolSourceCounts } from '../core/profile';

const WORKLOAD = `
#include <stdlib.h>
#include <string.h>
#include <time.h>
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 5;
  size_t n = 1 << 20;
  char *src = malloc(n), *dst = malloc(n);
  memset(src, 'a', n - 1); src[n - 1] = 0;
  int *arr = malloc(sizeof(int) * 4096);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  volatile size_t sink = 0;
  for (unsigned r = 1;; r++) {
    memcpy(dst, src, n);
    sink += strlen(dst);
    for (int i = 0; i < 4096; i++) arr[i] = (int)((i * 2654435761u) ^ r);
    qsort(arr, 4096, sizeof(int), cmp);
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 > seconds) break;
  }
  return (int)(sink & 1);
}
`;

const LIMITS = { maxStacks: 100_000, maxFrames: 200_000, maxFramesPerStack: 256, maxMessageBytes: 4 << 20 };

function profileOf(output: Buffer, symbolizer: Symbolizer): ReturnType<ProfileBuilder['snapshot']> {
  const agg = new Aggregator(LIMITS, symbolizer);
  const builder = new ProfileBuilder({ hz: 99 });
  const pump = new RecordPump(agg, symbolizer, {
    started: () => undefined,
    interval: (stats) => builder.apply(agg.takeDelta(stats, Date.now())),
    end: () => undefined,
    broken: (e) => {
      throw e;
    },
  });
  pump.push(output);
  pump.finish();
  builder.apply(agg.takeDelta(undefined, Date.now()));
  return builder.snapshot();
}

/** perf report's leaf symbols: the share of samples whose leaf has a name. */
function perfNamedLeafShare(data: string): { share: number; samples: number } {
  const text = execFileSync('perf', ['report', '-i', data, '--stdio', '--no-children', '-g', 'none', '--sort', 'sym', '-F', 'sample,sym', '-q'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  let total = 0;
  let named = 0;
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+\[[.k]\]\s+(.*)$/.exec(line);
    if (!m) continue;
    const n = Number(m[1]);
    total += n;
    if (!/^0x[0-9a-f]+$/.test((m[2] ?? '').trim()) && !(m[2] ?? '').includes('[unknown]')) named += n;
  }
  return { share: total > 0 ? named / total : 0, samples: total };
}

export async function run(opts: { quick: boolean }): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'emberscope-bench-debuginfo-'));
  const seconds = opts.quick ? 3 : 8;
  try {
    writeFileSync(join(dir, 'w.c'), WORKLOAD);
    const bin = join(dir, 'libc-heavy');
    execFileSync('gcc', ['-O2', '-fno-omit-frame-pointer', '-o', bin, join(dir, 'w.c')]);
    const work = spawn(bin, [String(seconds + 3)], { stdio: 'ignore' });
    const pid = work.pid ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    const perfData = join(dir, 'perf.data');
    const perf = spawn('perf', ['record', '-q', '-F', '99', '-g', '-p', String(pid), '-o', perfData, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
    const sampler = spawn(SAMPLER, ['--hz', '99', '--interval-ms', '1000', '--maps', '--duration', String(seconds), '--pid', String(pid)], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    sampler.stdout.on('data', (b: Buffer) => chunks.push(b));
    await Promise.all([new Promise((r) => sampler.on('close', r)), new Promise((r) => perf.on('close', r))]);
    const output = Buffer.concat(chunks);

    const before = profileOf(output, new Symbolizer({ binaryCache: new BinaryCache(), debugDirs: [], miniDebugInfo: false }));
    const after = profileOf(output, new Symbolizer({ binaryCache: new BinaryCache() }));
    work.kill('SIGKILL');
    const perfShare = perfNamedLeafShare(perfData);

    // Cost of a new binary: libc parsed cold, without and with its debug file.
    const libc = '/lib/x86_64-linux-gnu/libc.so.6';
    const time = (f: () => void): number => {
      const xs: number[] = [];
      for (let i = 0; i < (opts.quick ? 3 : 7); i++) {
        const t0 = performance.now();
        f();
        xs.push(performance.now() - t0);
      }
      return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    };
    const plainMs = time(() => loadBinary(libc, libc, false));
    const withDebugMs = time(() => loadBinary(libc, libc, false, { root: '/', debugDirs: ['/usr/lib/debug'], miniDebugInfo: true }));
    const row = (name: string, v: number, unit: string, target?: string, met?: boolean) => ({ name, median: Number(v.toFixed(3)), n: 1, unit, ...(target ? { target, met } : {}) });
    const b = resolvedLeafFraction(before);
    const a = resolvedLeafFraction(after);
    return {
      rows: [
        row('named-leaf share, before (binary tables only)', b, 'fraction'),
        row('named-leaf share, after (debug files)', a, 'fraction', '>= perf report', a >= perfShare.share - 0.005),
        row('named-leaf share, perf report (same window)', perfShare.share, 'fraction'),
        row('libc cold load, without debug file', plainMs, 'ms'),
        row('libc cold load, with libc6-dbg debug file', withDebugMs, 'ms'),
      ],
      samples: { emberscope: before.meta.sampleCount, perf: perfShare.samples },
      sourcesAfter: symbolSourceCounts(after),
      unnamedAfter: after.frames.filter((f) => f.unnamed).slice(0, 10).map((f) => `${f.name} (${f.unnamed})`),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
