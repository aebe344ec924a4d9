// Imports of real captures: the file arrives in chunks and goes to disk as it comes (hashed on
// the way), then is read back piece by piece — gunzipped when it is gzip, whatever its name —
// and told apart by content: folded stacks are read line by line (memory grows with distinct
// stacks, not with the file), pprof is decoded from one buffer (protobuf has no framing to
// stream on; bounded by MAX_IMPORT_PPROF_BYTES).
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { EmberError } from '../../core/errors';
import { FoldedReader } from '../../core/folded';
import { DETECT_HEAD_BYTES, UNKNOWN_FORMAT_MESSAGE, detectImportFormat, isGzip } from '../../core/import/format';
import { decodePprof } from '../../core/pprof';
import type { Profile } from '../../core/profile';
import { MAX_IMPORT_FILE_BYTES, MAX_IMPORT_FOLDED_BYTES, MAX_IMPORT_PPROF_BYTES, formatImportLimit } from '../../core/api';
import { nextTurn } from './cooperative';

export interface ParsedFile {
  readonly profile: Profile;
  readonly format: 'pprof' | 'folded';
  readonly gzipped: boolean;
}

/** Bytes of the file, decompressed when it is gzip (told by its first two bytes). */
async function* contentOf(path: string, gzipped: boolean): AsyncGenerator<Buffer> {
  const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const stream = gzipped ? file.pipe(createGunzip({ chunkSize: 256 * 1024 })) : file;
  if (gzipped) file.on('error', (e) => stream.destroy(e));
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (error) {
    if (error instanceof EmberError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new EmberError('BAD_INPUT', gzipped ? `The file is not valid gzip (${why}).` : `The file could not be read (${why}).`);
  } finally {
    stream.destroy();
    file.destroy();
  }
}

async function headOf(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function tooLarge(what: string, limit: number): EmberError {
  return new EmberError('TOO_LARGE', `The ${what} is larger than ${formatImportLimit(limit)} and was not imported.`);
}

/** The format of a file on disk from its first bytes (for the notice of a duplicate). */
export async function sniffFile(path: string): Promise<{ readonly format: 'pprof' | 'folded'; readonly gzipped: boolean }> {
  const gzipped = isGzip(await headOf(path));
  const first = await contentOf(path, gzipped).next();
  const head = first.done ? Buffer.alloc(0) : first.value;
  return { format: detectImportFormat(head.subarray(0, DETECT_HEAD_BYTES), head.length < DETECT_HEAD_BYTES) === 'folded' ? 'folded' : 'pprof', gzipped };
}

/** Reads a pprof or folded-stacks file (gzipped or not) from disk; the format comes from its content. */
export async function readProfileFile(path: string): Promise<ParsedFile> {
  const gzipped = isGzip(await headOf(path));
  const chunks = contentOf(path, gzipped);
  // The start of the content tells the format.
  const first: Buffer[] = [];
  let firstBytes = 0;
  let ended = false;
  while (firstBytes < DETECT_HEAD_BYTES) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    first.push(next.value);
    firstBytes += next.value.length;
  }
  const head = Buffer.concat(first);
  const format = detectImportFormat(head.subarray(0, DETECT_HEAD_BYTES), ended);
  if (format === 'folded') {
    const reader = new FoldedReader({ maxChars: MAX_IMPORT_FOLDED_BYTES });
    const decoder = new StringDecoder('utf8');
    let total = head.length;
    reader.push(decoder.write(head));
    for await (const chunk of { [Symbol.asyncIterator]: () => chunks }) {
      total += chunk.length;
      if (total > MAX_IMPORT_FOLDED_BYTES) throw tooLarge('folded text', MAX_IMPORT_FOLDED_BYTES);
      reader.push(decoder.write(chunk));
      await nextTurn();
    }
    reader.push(decoder.end());
    return { profile: reader.finish(), format, gzipped };
  }
  if (format === 'pprof') {
    const parts: Buffer[] = [head];
    let total = head.length;
    for await (const chunk of { [Symbol.asyncIterator]: () => chunks }) {
      total += chunk.length;
      if (total > MAX_IMPORT_PPROF_BYTES) throw tooLarge(gzipped ? 'decompressed pprof profile' : 'pprof profile', MAX_IMPORT_PPROF_BYTES);
      parts.push(chunk);
    }
    return { profile: decodePprof(Buffer.concat(parts)), format, gzipped };
  }
  await chunks.return(undefined);
  throw new EmberError('BAD_INPUT', format === 'gzip' ? 'The file is gzip inside gzip: decompress it once and import it again.' : UNKNOWN_FORMAT_MESSAGE);
}

/**
 * A file being uploaded into `dir`: chunks in order, written to a private temporary file and
 * hashed (SHA-256 of the bytes as sent) on the way.
 */
export class ImportUpload {
  private received = 0;
  private readonly hash: Hash = createHash('sha256');
  private done = false;

  private constructor(
    readonly path: string,
    readonly size: number,
    private readonly fh: FileHandle,
  ) {}

  static async create(dir: string, size: number): Promise<ImportUpload> {
    if (!Number.isSafeInteger(size) || size < 0) throw new EmberError('BAD_INPUT', 'The file size is not a whole number of bytes.');
    if (size > MAX_IMPORT_FILE_BYTES) throw tooLarge('file', MAX_IMPORT_FILE_BYTES);
    const path = join(dir, `.import-${randomBytes(8).toString('hex')}`);
    const fh = await open(path, 'wx', 0o600);
    return new ImportUpload(path, size, fh);
  }

  /** The next chunk: `offset` must be where the previous one ended. */
  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (this.done) throw new EmberError('NOT_FOUND', 'That import is finished or cancelled.');
    if (offset !== this.received) throw new EmberError('BAD_INPUT', `The import's chunks arrived out of order (expected byte ${this.received}, got ${offset}).`);
    if (this.received + bytes.length > this.size) throw new EmberError('BAD_INPUT', `The file sent is longer than the ${this.size} bytes announced.`);
    this.hash.update(bytes);
    let written = 0;
    while (written < bytes.length) written += (await this.fh.write(bytes, written, bytes.length - written)).bytesWritten;
    this.received += bytes.length;
  }

  /** All bytes are there: closes the file; returns its SHA-256 (hex). */
  async complete(): Promise<string> {
    if (this.done) throw new EmberError('NOT_FOUND', 'That import is finished or cancelled.');
    if (this.received !== this.size) throw new EmberError('BAD_INPUT', `The file arrived incomplete (${this.received} of ${this.size} bytes).`);
    this.done = true;
    await this.fh.close();
    return this.hash.digest('hex');
  }

  /** Removes the temporary file (after complete(), or to cancel). */
  async discard(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.fh.close().catch(() => undefined);
    }
    await rm(this.path, { force: true });
  }
}
