// Kernel symbols from /proc/kallsyms. Addresses are kept as offsets from KERNEL_BASE so they fit
// a double exactly. At perf_event_paranoid >= 2 without CAP_SYSLOG (and kptr_restrict >= 1)
// every address reads as zero: the table is then "hidden" and kernel frames are marked so.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { lastAtOrBelow } from '../../../core/util/search';

export const KERNEL_BASE = 0xffff000000000000n;

export interface KernelSymbols {
  hidden: boolean;
  addrs: Float64Array;
  names: string[];
  modules: string[];
}

export function kernelOffset(ip: bigint): number | undefined {
  if (ip < KERNEL_BASE) return undefined;
  return Number(ip - KERNEL_BASE);
}

export function parseKallsyms(text: string): KernelSymbols {
  // One pass over ~120k lines: no BigInt, no object per symbol (the addresses of kernel text
  // are 0xffff... so the low 48 bits are exact in a double).
  let cap = 1024;
  let addrs = new Float64Array(cap);
  const names: string[] = [];
  const modules: string[] = [];
  let n = 0;
  let nonZero = false;
  let sorted = true;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const lineStart = start;
    start = end + 1;
    // "ffffffff81000000 T _stext" or "ffffffffc0a01000 t foo\t[module]"
    if (end - lineStart < 20 || text.charCodeAt(lineStart + 16) !== 32) continue;
    const type = text.charAt(lineStart + 17);
    if (type !== 't' && type !== 'T' && type !== 'w' && type !== 'W') continue;
    if (text.startsWith('0000000000000000', lineStart)) continue;
    nonZero = true;
    if (!text.startsWith('ffff', lineStart)) continue;
    const a = parseInt(text.slice(lineStart + 4, lineStart + 16), 16);
    if (!Number.isFinite(a)) continue;
    // Search the tab within the line only (core kernel lines have none).
    const rest = text.slice(lineStart + 19, end);
    const tab = rest.indexOf('\t');
    let name = rest;
    let mod = '';
    if (tab >= 0) {
      name = rest.slice(0, tab);
      mod = rest.slice(tab + 1).replace(/^\[|\]$/g, '');
    }
    if (n === cap) {
      cap *= 2;
      const next = new Float64Array(cap);
      next.set(addrs);
      addrs = next;
    }
    if (n > 0 && a < (addrs[n - 1] ?? 0)) sorted = false;
    addrs[n] = a;
    names.push(name);
    modules.push(mod);
    n++;
  }
  if (!nonZero) return { hidden: true, addrs: new Float64Array(0), names: [], modules: [] };
  addrs = addrs.slice(0, n);
  if (sorted) return { hidden: false, addrs, names, modules };
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => (addrs[x] ?? 0) - (addrs[y] ?? 0));
  return {
    hidden: false,
    addrs: Float64Array.from(order, (i) => addrs[i] ?? 0),
    names: Array.from(order, (i) => names[i] ?? ''),
    modules: Array.from(order, (i) => modules[i] ?? ''),
  };
}

const HIDDEN: KernelSymbols = { hidden: true, addrs: new Float64Array(0), names: [], modules: [] };
const PROC_KALLSYMS = '/proc/kallsyms';
let cached: { at: number; k: KernelSymbols } | undefined;
const CACHE_MS = 60_000;

/**
 * The kernel's symbols as this process sees them. A hidden table (zeros: no CAP_SYSLOG) is
 * recognized from the first lines without reading the whole file; /proc/kallsyms, when
 * readable, is parsed once and shared by the captures of the next minute (modules rarely
 * change).
 */
export function readKallsyms(path = PROC_KALLSYMS): KernelSymbols {
  const now = Date.now();
  if (path === PROC_KALLSYMS && cached && now - cached.at < CACHE_MS) return cached.k;
  let k: KernelSymbols;
  try {
    k = kallsymsReadable(path) ? parseKallsyms(readFileSync(path, 'latin1')) : HIDDEN;
  } catch {
    k = HIDDEN;
  }
  if (path === PROC_KALLSYMS) cached = { at: now, k };
  return k;
}

/** Whether /proc/kallsyms shows real addresses to this process (reads only the first lines). */
export function kallsymsReadable(path = '/proc/kallsyms'): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(4096);
      const n = readSync(fd, buf, 0, buf.length, null);
      const head = buf.subarray(0, n).toString('latin1');
      return /^[0-9a-f]{16} /m.test(head) && !/^0{16} /.test(head);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

export function lookupKernel(k: KernelSymbols, off: number): number {
  const found = lastAtOrBelow(k.addrs, off);
  // Farther than 1 MiB from the closest symbol: not plausibly inside it.
  if (found < 0 || off - (k.addrs[found] ?? 0) > 1 << 20) return -1;
  return found;
}
