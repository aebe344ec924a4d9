// Separate debug files on the host, found the way gdb and perf find them: by build id
// (<debugdir>/.build-id/xx/yyyy.debug), then by the binary's .gnu_debuglink (next to the
// binary, in its .debug/, under <debugdir>/<binary's dir>). A file is used only when its build
// id equals the binary's (and, found by debuglink, when its CRC32 equals the link's); one that
// does not is ignored and counted. Paths resolve inside the process's root: a symlink (absolute
// or relative, at any component) cannot lead out of it.
import { closeSync, fstatSync, lstatSync, openSync, readlinkSync, readSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { posix } from 'node:path';
import { ElfFile, fileSource, type SymbolTable } from './elf';

export const DEFAULT_DEBUG_DIRS: readonly string[] = ['/usr/lib/debug'];
const MAX_LINKS = 40;
const MAX_DEBUG_FILE_BYTES = 4 * 1024 * 1024 * 1024;

/** What looking for a binary's debug file found. */
export interface DebugFileResult {
  /** Function symbols of the matching debug file's .symtab (none found: undefined). */
  symbols: SymbolTable | undefined;
  /** The matching file (as inside the root), '' none. */
  path: string;
  /** Candidates ignored because their build id differed from the binary's. */
  buildIdMismatch: number;
  /** Candidates found by debuglink whose CRC32 differed from the link's. */
  crcMismatch: number;
}

/**
 * `path` (absolute, as seen inside `root`) resolved component by component, every symlink
 * followed inside `root` ('..' stops at root, an absolute target restarts from root). Returns
 * the host path (root joined with the result), or undefined when a component is missing.
 */
export function resolveUnder(root: string, path: string): string | undefined {
  const base = root === '/' ? '' : root.replace(/\/+$/, '');
  const todo = path.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift() ?? '';
    if (c === '..') {
      done.pop();
      continue;
    }
    if (c === '.' || c === '') continue;
    const here = `${base}/${[...done, c].join('/')}`;
    let st;
    try {
      st = lstatSync(here);
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return undefined;
      let target: string;
      try {
        target = readlinkSync(here);
      } catch {
        return undefined;
      }
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
      continue;
    }
    done.push(c);
  }
  return `${base}/${done.join('/')}`;
}

const CRC_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32 (the zlib/gdb polynomial): Node's zlib.crc32 where it exists (20.15+), a table otherwise (the agent runs on Node 18 too). */
export function crc32(data: Uint8Array, prev = 0): number {
  const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  if (native) return native(data, prev) >>> 0;
  let c = ~prev >>> 0;
  for (let i = 0; i < data.byteLength; i++) c = (CRC_TABLE[(c ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return ~c >>> 0;
}

function fileCrc32(hostPath: string): number {
  const fd = openSync(hostPath, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_DEBUG_FILE_BYTES) return -1;
    const buf = Buffer.allocUnsafe(1 << 20);
    let crc = 0;
    for (let at = 0; at < size; ) {
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n <= 0) break;
      crc = crc32(buf.subarray(0, n), crc);
      at += n;
    }
    return crc;
  } finally {
    closeSync(fd);
  }
}

export interface DebugLookup {
  /** The process's root on the host: '/' or /proc/PID/root. */
  root: string;
  /** The binary as the process names it (absolute, inside root). */
  binaryPath: string;
  buildId: string;
  link: { name: string; crc: number } | undefined;
  debugDirs?: readonly string[];
}

/** The binary's debug file, if one matching it is installed (see the file comment). */
export function findDebugFile(q: DebugLookup): DebugFileResult {
  const out: DebugFileResult = { symbols: undefined, path: '', buildIdMismatch: 0, crcMismatch: 0 };
  const dirs = q.debugDirs ?? DEFAULT_DEBUG_DIRS;
  const candidates: { path: string; crc: number | undefined }[] = [];
  if (/^[0-9a-f]{4,128}$/.test(q.buildId)) {
    for (const d of dirs) candidates.push({ path: `${d}/.build-id/${q.buildId.slice(0, 2)}/${q.buildId.slice(2)}.debug`, crc: undefined });
  }
  if (q.link) {
    const dir = posix.dirname(q.binaryPath);
    candidates.push({ path: posix.join(dir, q.link.name), crc: q.link.crc });
    candidates.push({ path: posix.join(dir, '.debug', q.link.name), crc: q.link.crc });
    for (const d of dirs) candidates.push({ path: posix.join(d, dir, q.link.name), crc: q.link.crc });
  }
  const seen = new Set<string>();
  for (const c of candidates) {
    const host = resolveUnder(q.root, c.path);
    if (!host || seen.has(host)) continue;
    seen.add(host);
    let elf: ElfFile;
    try {
      elf = new ElfFile(fileSource(host));
    } catch {
      continue; // missing, not a regular file, not ELF: not a candidate
    }
    try {
      // Next to the binary, the debuglink name may be the binary itself: it carries no .symtab then.
      if (!elf.hasSymtabFunctions()) continue;
      const id = elf.buildId();
      if (q.buildId !== '' && id !== q.buildId) {
        out.buildIdMismatch++;
        continue;
      }
      if (c.crc !== undefined && fileCrc32(host) !== c.crc) {
        out.crcMismatch++;
        continue;
      }
      if (q.buildId === '' && c.crc === undefined) continue;
      const symbols = elf.functionSymbols('symtab');
      if (symbols.count === 0) continue;
      out.symbols = symbols;
      out.path = c.path;
      return out;
    } catch {
      continue;
    } finally {
      elf.close();
    }
  }
  return out;
}
