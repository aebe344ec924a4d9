// Benchmark of the streamed import (issue 15) at the size of real captures: a gzipped folded
// file of 110 MB (quick) and 520 MB (full) of text, sent in IMPORT_CHUNK_BYTES chunks into the
// library on disk, read back line by line. Reports the time, the throughput and the memory:
// the JS heap's peak growth over the run (garbage included) and what stays after a GC, next to
// the size of the text — a reader that held the file would grow by at least the file's size.
// Plain script: `npx tsx bench/import.bench.ts [--quick]`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGzip } from 'node:zlib';
import { IMPORT_CHUNK_BYTES } from '../core/api';
import { Library } from '../electron/services/library';
import type { BenchRow } from './stats';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** 20,000 distinct stacks of a long-running service, repeated up to `bytes` of text, gzipped. */
async function foldedGz(bytes: number): Promise<{ gz: Buffer; samples: number; textBytes: number }> {
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) lines.push(`start_thread;worker_loop_${i % 97};service::handler::process_request_${i % 1013};leaf_function_with_a_long_name_${i} ${1 + (i % 5)}\n`);
  const block = Buffer.from(lines.join(''));
  const perBlock = lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const repeats = Math.ceil(bytes / block.length);
  const z = createGzip({ level: 1 });
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => z.on('end', r));
  for (let i = 0; i < repeats; i++) if (!z.write(block)) await new Promise((r) => z.once('drain', r));
  z.end();
  await done;
  return { gz: Buffer.concat(out), samples: repeats * perBlock, textBytes: repeats * block.length };
}

async function importOnce(dir: string, gz: Buffer): Promise<{ ms: number; peakHeap: number; retained: number; peakRss: number; samples: number }> {
  const lib = new Library(join(dir, `data-${Date.now()}`));
  gc();
  const base = process.memoryUsage();
  let peakHeap = 0;
  let peakRss = 0;
  const probe = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed - base.heapUsed);
    peakRss = Math.max(peakRss, m.rss - base.rss);
  }, 25);
  const t0 = performance.now();
  const session = await lib.beginImport('big.folded.gz', gz.length);
  for (let offset = 0; offset < gz.length; offset += IMPORT_CHUNK_BYTES) await session.write(offset, gz.subarray(offset, offset + IMPORT_CHUNK_BYTES));
  const r = await session.finish();
  const ms = performance.now() - t0;
  clearInterval(probe);
  gc();
  const retained = process.memoryUsage().heapUsed - base.heapUsed;
  return { ms, peakHeap, retained, peakRss, samples: r.summary.samples };
}

export async function run({ quick = false }: { quick?: boolean } = {}): Promise<{ rows: BenchRow[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'emberscope-bench-import-'));
  const rows: BenchRow[] = [];
  try {
    for (const mb of quick ? [110] : [110, 520]) {
      const { gz, samples, textBytes } = await foldedGz(mb * 2 ** 20);
      const r = await importOnce(dir, gz);
      if (r.samples !== samples) throw new Error(`imported ${r.samples} samples, the file holds ${samples}`);
      const text = textBytes / 2 ** 20;
      rows.push({ name: `folded ${mb} MB (${(gz.length / 2 ** 20).toFixed(0)} MB gzipped): import`, median: Math.round(r.ms), unit: 'ms', n: 1 });
      rows.push({ name: `folded ${mb} MB: throughput`, median: Math.round(text / (r.ms / 1000)), unit: 'MB/s of text', n: 1 });
      rows.push({ name: `folded ${mb} MB: JS heap peak growth (garbage included)`, median: Math.round(r.peakHeap / 2 ** 20), unit: 'MB', n: 1, target: `< ${Math.round(text)} (the text)`, met: r.peakHeap / 2 ** 20 < text });
      rows.push({ name: `folded ${mb} MB: heap kept after GC (the profile)`, median: Math.round(r.retained / 2 ** 20), unit: 'MB', n: 1 });
      rows.push({ name: `folded ${mb} MB: RSS peak growth`, median: Math.round(r.peakRss / 2 ** 20), unit: 'MB', n: 1 });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { rows };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run({ quick: process.argv.includes('--quick') }).then((r) => console.log(JSON.stringify(r, null, 2)), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
