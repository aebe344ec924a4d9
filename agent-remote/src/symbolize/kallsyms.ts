// Kernel symbols from /proc/kallsyms. Addresses are kept as offsets from KERNEL_BASE so they fit
// a double exactly. At perf_event_paranoid >= 2 without CAP_SYSLOG (and kptr_restrict >= 1)
// every address reads as zero: the table is then "hidden" and kernel frames are marked so.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

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
  const rows: { a: number; n: string; m: string }[] = [];
  let nonZero = false;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    // "ffffffff81000000 T _stext" or "ffffffffc0a01000 t foo\t[module]"
    const sp1 = line.indexOf(' ');
    if (sp1 !== 16) continue;
    const type = line.charAt(17);
    if (type !== 't' && type !== 'T' && type !== 'w' && type !== 'W') continue;
    const hexAddr = line.slice(0, 16);
    if (hexAddr !== '0000000000000000') nonZero = true;
    let rest = line.slice(19);
    let mod = '';
    const tab = rest.indexOf('\t');
    if (tab >= 0) {
      mod = rest.slice(tab + 1).replace(/^\[|\]$/g, '');
      rest = rest.slice(0, tab);
    }
    let a: bigint;
    try {
      a = BigInt('0x' + hexAddr);
    } catch {
      continue;
    }
    if (a < KERNEL_BASE) continue;
    rows.push({ a: Number(a - KERNEL_BASE), n: rest, m: mod });
  }
  if (!nonZero) return { hidden: true, addrs: new Float64Array(0), names: [], modules: [] };
  rows.sort((x, y) => x.a - y.a);
  return {
    hidden: false,
    addrs: Float64Array.from(rows, (r) => r.a),
    names: rows.map((r) => r.n),
    modules: rows.map((r) => r.m),
  };
}

export function readKallsyms(path = '/proc/kallsyms'): KernelSymbols {
  try {
    return parseKallsyms(readFileSync(path, 'latin1'));
  } catch {
    return { hidden: true, addrs: new Float64Array(0), names: [], modules: [] };
  }
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
  const a = k.addrs;
  let lo = 0;
  let hi = a.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] ?? 0) <= off) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Farther than 1 MiB from the closest symbol: not plausibly inside it.
  if (found < 0 || off - (a[found] ?? 0) > 1 << 20) return -1;
  return found;
}
