// The streamed import of the library on disk (issue 15): folded text and pprof, gzipped or
// not, told apart by content whatever the name; duplicates found by content hash; bad input
// refused in one line with nothing left behind; a file of over 100 MB read with memory that
// does not grow with the file.
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_CHUNK_BYTES } from '../../../core/api';
import { encodePprof } from '../../../core/pprof';
import { profileFromPaths } from '../../../core/testing/fixtures';
import { Library } from '../library';

let dir: string;
let lib: Library;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-import-'));
  lib = new Library(join(dir, 'data'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Sends `bytes` the way the API does: in chunks of IMPORT_CHUNK_BYTES, in order. */
async function streamed(bytes: Uint8Array, fileName: string, chunk = IMPORT_CHUNK_BYTES) {
  const session = await lib.beginImport(fileName, bytes.length);
  for (let offset = 0; offset < bytes.length; offset += chunk) await session.write(offset, bytes.subarray(offset, offset + chunk));
  return session.finish();
}

async function leftoverUploads(): Promise<string[]> {
  return (await readdir(lib.dir)).filter((n) => n.startsWith('.import-'));
}

const folded = Buffer.from('main;serve;hot 30\nmain;idle 12\n');
const pprof = encodePprof(profileFromPaths([['main;serve;hot', 25], ['main;idle', 5]]));

describe('streamed import', () => {
  it('tells folded and pprof apart by content, gzipped or not, whatever the file is called', async () => {
    const cases = [
      { bytes: folded, name: 'stacks.folded', format: 'folded', gzipped: false, samples: 42 },
      // A gzipped folded file: once taken for pprof ("not a valid pprof profile: wire type 4").
      { bytes: gzipSync(folded), name: 'stacks.gz', format: 'folded', gzipped: true, samples: 42 },
      { bytes: pprof, name: 'cpu.txt', format: 'pprof', gzipped: false, samples: 30 },
      { bytes: gzipSync(pprof), name: 'cpu.folded.gz', format: 'pprof', gzipped: true, samples: 30 },
    ] as const;
    for (const c of cases) {
      const r = await streamed(c.bytes, c.name, 7);
      expect({ name: c.name, format: r.format, gzipped: r.gzipped, samples: r.summary.samples, duplicate: r.duplicate }).toEqual({
        name: c.name,
        format: c.format,
        gzipped: c.gzipped,
        samples: c.samples,
        duplicate: false,
      });
      expect((await lib.open(r.summary.id)).profile.meta.sampleCount).toBe(c.samples);
    }
    // The one-call import tells them apart the same way.
    expect((await lib.import(gzipSync(Buffer.from('a;b 3\n')), 'x.pb.gz')).samples).toBe(3);
    expect(await leftoverUploads()).toEqual([]);
  });

  it('the same content imported twice is one entry, and the second import says so', async () => {
    const bytes = gzipSync(Buffer.from('dup;main;hot 9\n'));
    const first = await streamed(bytes, 'dup.folded.gz');
    const before = (await lib.list()).captures.length;
    const second = await streamed(bytes, 'renamed copy.gz');
    expect(second.duplicate).toBe(true);
    expect(second.summary.id).toBe(first.summary.id);
    expect(await lib.import(bytes, 'again.gz')).toMatchObject({ id: first.summary.id });
    expect((await lib.list()).captures.length).toBe(before);
    expect(await leftoverUploads()).toEqual([]);
  });

  it('refuses what is not a profile, chunks out of order and short files, in one line, leaving nothing', async () => {
    const count = (await lib.list()).captures.length;
    await expect(streamed(Buffer.from('hello world\nthis is prose\n'), 'notes.folded')).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/neither pprof nor folded stacks/) });
    await expect(streamed(gzipSync(Buffer.from([0x08, 0x96, 0x01, 0xff, 0xff, 0x00])), 'x.pb.gz')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const truncated = gzipSync(folded).subarray(0, 20);
    await expect(streamed(truncated, 'cut.gz')).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/not valid gzip/) });
    await expect(streamed(Buffer.from('main;a 1\nmain;b x\n'), 'bad.folded')).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/line 2/) });

    const s = await lib.beginImport('a.folded', 10);
    await expect(s.write(5, Buffer.from('xxxxx'))).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/out of order/) });
    await s.write(0, Buffer.from('main;a 1\n'));
    await expect(s.finish()).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/incomplete \(9 of 10 bytes\)/) });
    const over = await lib.beginImport('b.folded', 3);
    await expect(over.write(0, Buffer.from('main;a 1\n'))).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/longer than the 3 bytes/) });
    await over.cancel();
    await expect(lib.beginImport('huge.folded', 2 ** 40)).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect((await lib.list()).captures.length).toBe(count);
    expect(await leftoverUploads()).toEqual([]);
  });

  it('reads a folded file of many chunks (gzipped) line by line across chunk boundaries', async () => {
    // The large-file figures (110 MB, 520 MB: time, heap) are in bench/import.bench.ts.
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`start_thread;worker_loop_${i % 97};service::handler::process_request_${i % 1013};leaf_${i} ${1 + (i % 5)}\n`);
    const block = Buffer.from(lines.join(''));
    const repeats = Math.ceil((12 * 1024 * 1024) / block.length);
    const gz = gzipSync(Buffer.concat(Array.from({ length: repeats }, () => block)), { level: 1 });
    const expectedSamples = repeats * lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    const r = await streamed(gz, 'big.folded.gz', 64 * 1024 + 3);
    expect(r).toMatchObject({ format: 'folded', gzipped: true, duplicate: false });
    expect(r.summary.samples).toBe(expectedSamples);
    expect((await lib.open(r.summary.id)).profile.stacks.length).toBe(20_000);
  }, 60_000);
});
