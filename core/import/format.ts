// What an imported file is, told from its first bytes, never from its name: gzip (look again
// at what it holds), folded stacks (text lines `frame;frame count`), or pprof (a protobuf
// Profile message). A `.gz` may hold either; a `.txt` may be pprof.

export type ImportFormat = 'gzip' | 'folded' | 'pprof' | 'unknown';

/** How many bytes of the (decompressed) start of a file detection looks at. */
export const DETECT_HEAD_BYTES = 64 * 1024;

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Control characters other than tab, line feed and carriage return: not text. */
function hasBinary(head: Uint8Array): boolean {
  for (const b of head) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return true;
  return false;
}

/** The first non-blank line is `stack count`; a head cut inside its first line counts when it is long. */
function looksFolded(head: Uint8Array, complete: boolean): boolean {
  if (hasBinary(head)) return false;
  const text = new TextDecoder('utf-8').decode(head);
  const lines = text.split('\n');
  const whole = complete ? lines : lines.slice(0, -1);
  const first = whole.find((l) => l.trim() !== '');
  if (first === undefined) return !complete && lines.length === 1 && text.includes(';');
  return /^.*\S[ \t]+\d+\r?$/.test(first);
}

/**
 * A protobuf message starts with a field key: field number 1–15 of the Profile message
 * (sample_type … doc_url) and a wire type pprof uses (varint 0, length-delimited 2); and it is
 * binary (its lengths and ids are small varints), where plain text is not.
 */
function looksPprof(head: Uint8Array): boolean {
  if (!hasBinary(head)) return false;
  const key = head[0];
  if (key === undefined) return false;
  const field = key >> 3;
  const wire = key & 7;
  return field >= 1 && field <= 15 && (wire === 0 || wire === 2);
}

/**
 * The format of a file from its first bytes (up to DETECT_HEAD_BYTES; `complete` when that is
 * the whole file). For 'gzip', call again with the start of the decompressed content.
 */
export function detectImportFormat(head: Uint8Array, complete: boolean): ImportFormat {
  if (isGzip(head)) return 'gzip';
  if (looksFolded(head, complete)) return 'folded';
  if (looksPprof(head)) return 'pprof';
  return 'unknown';
}

export const UNKNOWN_FORMAT_MESSAGE = 'The file is neither pprof nor folded stacks (gzipped or not): import a .pb.gz, .pprof or folded stacks file.';
