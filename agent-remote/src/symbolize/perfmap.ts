// JIT symbols from /tmp/perf-PID.map ("START SIZE name", hex without 0x), as written by Node's
// --perf-basic-prof and the JVM's perf-map-agent. The file is trusted only when it is a regular
// file (not a symlink) owned by the process's uid (or root); it is re-read when it grew.
import { closeSync, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { lastAtOrBelow } from '../../../core/util/search';

const MAX_PERF_MAP_BYTES = 128 * 1024 * 1024;

export interface PerfMap {
  starts: Float64Array;
  ends: Float64Array;
  names: string[];
  size: number;
  mtimeMs: number;
}

export function parsePerfMap(text: string): Omit<PerfMap, 'size' | 'mtimeMs'> {
  const rows: { s: number; e: number; n: string }[] = [];
  for (const line of text.split('\n')) {
    const a = line.indexOf(' ');
    if (a <= 0) continue;
    const b = line.indexOf(' ', a + 1);
    if (b <= a) continue;
    const s = parseInt(line.slice(0, a), 16);
    const size = parseInt(line.slice(a + 1, b), 16);
    if (!Number.isFinite(s) || !Number.isFinite(size)) continue;
    rows.push({ s, e: s + size, n: line.slice(b + 1).slice(0, 4096) });
  }
  // Later entries win over earlier ones at the same start (code was re-JITted there).
  rows.sort((x, y) => x.s - y.s);
  const dedup: typeof rows = [];
  for (const r of rows) {
    const last = dedup[dedup.length - 1];
    if (last && last.s === r.s) dedup[dedup.length - 1] = r;
    else dedup.push(r);
  }
  return {
    starts: Float64Array.from(dedup, (r) => r.s),
    ends: Float64Array.from(dedup, (r) => r.e),
    names: dedup.map((r) => r.n),
  };
}

export function perfMapPath(pid: number): string {
  return `/tmp/perf-${pid}.map`;
}

/** Reads the perf map of `pid` if it exists and may be trusted; `previous` is reused when unchanged. */
export function readPerfMap(pid: number, ownerUid: number | undefined, previous?: PerfMap): PerfMap | undefined {
  const path = perfMapPath(pid);
  try {
    // No exception for the usual case (no perf map): they are costly at thousands per second.
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st?.isFile()) return undefined;
    if (ownerUid !== undefined && st.uid !== ownerUid && st.uid !== 0) return undefined;
    if (previous && previous.size === st.size && previous.mtimeMs === st.mtimeMs) return previous;
    const fd = openSync(path, 'r');
    try {
      const fst = fstatSync(fd);
      if (fst.ino !== st.ino) return undefined;
      const len = Math.min(fst.size, MAX_PERF_MAP_BYTES);
      const buf = Buffer.allocUnsafe(len);
      let done = 0;
      while (done < len) {
        const n = readSync(fd, buf, done, len - done, done);
        if (n <= 0) break;
        done += n;
      }
      return { ...parsePerfMap(buf.subarray(0, done).toString('utf8')), size: st.size, mtimeMs: st.mtimeMs };
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

export function lookupPerfMap(m: PerfMap, addr: number): number {
  const found = lastAtOrBelow(m.starts, addr);
  if (found < 0 || addr >= (m.ends[found] ?? 0)) return -1;
  return found;
}
