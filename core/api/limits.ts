// Sizes the API accepts, shared by the UI (which refuses early, in plain words) and the
// services (which refuse whatever arrives).

/** Largest import accepted (bytes of the file). */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

/** The refusal of a file over MAX_IMPORT_BYTES, in plain words. */
export const IMPORT_TOO_LARGE_MESSAGE = `The file is larger than ${MAX_IMPORT_BYTES / (1024 * 1024)} MiB. Import a smaller profile.`;

/** Base64 characters of the largest import (the form it crosses IPC and the WebSocket in). */
export const MAX_IMPORT_BASE64_CHARS = Math.ceil(MAX_IMPORT_BYTES / 3) * 4;

// Streamed import (beginImport / importChunk / finishImport): files of real captures, sent in
// chunks, written to disk as they come and read from there piece by piece.

/** Largest file accepted by the streamed import (as sent: gzipped or not). */
export const MAX_IMPORT_FILE_BYTES = 1024 * 1024 * 1024;
/** Largest folded text read (after gunzip); it is read line by line, never held whole. */
export const MAX_IMPORT_FOLDED_BYTES = 1024 * 1024 * 1024;
/** Largest pprof message decoded (after gunzip); protobuf is decoded from one buffer. */
export const MAX_IMPORT_PPROF_BYTES = 256 * 1024 * 1024;
/** Bytes of one importChunk call (the last chunk may be shorter). */
export const IMPORT_CHUNK_BYTES = 4 * 1024 * 1024;
/** Base64 characters of one chunk. */
export const MAX_IMPORT_CHUNK_BASE64_CHARS = Math.ceil(IMPORT_CHUNK_BYTES / 3) * 4;

/** A size in plain words: 1.5 GiB, 200 MiB. */
export function formatImportLimit(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes / 1024 ** 2} MiB`;
}
