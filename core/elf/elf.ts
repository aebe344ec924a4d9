// A small ELF64 little-endian reader over positional reads (a ByteSource): program headers,
// section headers, .symtab/.dynsym function symbols, the GNU build id, .gnu_debuglink. Pure: the
// host agent reads binaries through it with a file source, the desktop reads debug files from
// debuginfod through it. It reads only the parts it needs and bounds every size it trusts.
import { lastAtOrBelow } from '../util/search';

function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export const ET_EXEC = 2;
export const ET_DYN = 3;
const PT_LOAD = 1;
const PT_NOTE = 4;
const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHT_NOBITS = 8;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const NT_GNU_BUILD_ID = 3;

const MAX_SECTIONS = 65_535;
const MAX_PHDRS = 4096;
const MAX_SYMTAB_BYTES = 512 * 1024 * 1024;
const MAX_STRTAB_BYTES = 512 * 1024 * 1024;

export interface ElfSegment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}


export class ElfError extends Error {}

/** Positional reader over a file descriptor (or a buffer, for tests). */
export interface ByteSource {
  size: number;
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.byteLength) throw new ElfError('read past the end');
      return bytes.subarray(offset, offset + length);
    },
    close() {},
  };
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(v: DataView, off: number): number {
  // Addresses and offsets of user-space ELF files fit a double exactly (< 2^53).
  const lo = v.getUint32(off, true);
  const hi = v.getUint32(off + 4, true);
  return hi * 0x1_0000_0000 + lo;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Function symbols sorted by address. Names are kept as raw bytes in one buffer (only the
 * function names, not the whole string tables) and decoded on demand: a binary like node has
 * ~100k function symbols of which a profile touches a few hundred.
 */
export class SymbolTable {
  constructor(
    readonly addrs: Float64Array,
    readonly sizes: Float64Array,
    /** Byte offsets of each name in `bytes`; name i is bytes[nameOffs[i], nameOffs[i + 1]). */
    private readonly nameOffs: Uint32Array,
    private readonly bytes: Uint8Array,
    /** Where each symbol came from (a SymbolOrigin code), when tables were merged. */
    readonly origins?: Uint8Array,
  ) {}

  /** Raw bytes of name i (merging tables without decoding). */
  nameBytes(i: number): Uint8Array {
    return this.bytes.subarray(this.nameOffs[i] ?? 0, this.nameOffs[i + 1] ?? 0);
  }

  get count(): number {
    return this.addrs.length;
  }

  name(i: number): string {
    if (i < 0 || i >= this.addrs.length) return '';
    return utf8.decode(this.bytes.subarray(this.nameOffs[i] ?? 0, this.nameOffs[i + 1] ?? 0));
  }

  /** Every name (tests, small tables). */
  names(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.name(i));
    return out;
  }
}

function cstr(b: Uint8Array, off: number, max = 4096): string {
  if (off < 0 || off >= b.byteLength) return '';
  let end = off;
  const lim = Math.min(b.byteLength, off + max);
  while (end < lim && b[end] !== 0) end++;
  return utf8.decode(b.subarray(off, end));
}

export class ElfFile {
  readonly type: number;
  readonly segments: ElfSegment[] = [];
  readonly sections: ElfSection[] = [];
  private cachedBuildId: string | undefined;

  constructor(readonly src: ByteSource) {
    if (src.size < 64) throw new ElfError('too small for an ELF file');
    const h = src.read(0, 64);
    if (h[0] !== 0x7f || h[1] !== 0x45 || h[2] !== 0x4c || h[3] !== 0x46) throw new ElfError('not an ELF file');
    if (h[4] !== 2) throw new ElfError('not a 64-bit ELF file');
    if (h[5] !== 1) throw new ElfError('not a little-endian ELF file');
    const v = dv(h);
    this.type = v.getUint16(16, true);
    const phoff = u64(v, 32);
    const shoff = u64(v, 40);
    const phentsize = v.getUint16(54, true);
    const phnum = v.getUint16(56, true);
    const shentsize = v.getUint16(58, true);
    const shnum = v.getUint16(60, true);
    const shstrndx = v.getUint16(62, true);
    if (phnum > 0 && phentsize >= 56 && phnum <= MAX_PHDRS && phoff + phnum * phentsize <= src.size) {
      const ph = src.read(phoff, phnum * phentsize);
      const pv = dv(ph);
      for (let i = 0; i < phnum; i++) {
        const o = i * phentsize;
        this.segments.push({
          type: pv.getUint32(o, true),
          flags: pv.getUint32(o + 4, true),
          offset: u64(pv, o + 8),
          vaddr: u64(pv, o + 16),
          filesz: u64(pv, o + 32),
          memsz: u64(pv, o + 40),
        });
      }
    }
    if (shnum > 0 && shentsize >= 64 && shnum <= MAX_SECTIONS && shoff + shnum * shentsize <= src.size) {
      const sh = src.read(shoff, shnum * shentsize);
      const sv = dv(sh);
      const raw: Omit<ElfSection, 'name'>[] = [];
      const nameOffs: number[] = [];
      for (let i = 0; i < shnum; i++) {
        const o = i * shentsize;
        nameOffs.push(sv.getUint32(o, true));
        raw.push({
          type: sv.getUint32(o + 4, true),
          flags: u64(sv, o + 8),
          addr: u64(sv, o + 16),
          offset: u64(sv, o + 24),
          size: u64(sv, o + 32),
          link: sv.getUint32(o + 40, true),
          entsize: u64(sv, o + 56),
        });
      }
      const strSec = raw[shstrndx];
      let names: Uint8Array = new Uint8Array(0);
      if (strSec && strSec.type !== SHT_NOBITS && strSec.size <= 16 * 1024 * 1024 && strSec.offset + strSec.size <= src.size) {
        names = src.read(strSec.offset, strSec.size);
      }
      raw.forEach((s, i) => this.sections.push({ ...s, name: cstr(names, nameOffs[i] ?? 0, 256) }));
    }
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  sectionData(s: ElfSection, max = MAX_SYMTAB_BYTES): Uint8Array {
    if (s.type === SHT_NOBITS) return new Uint8Array(0);
    if (s.size > max) throw new ElfError(`section ${s.name} is too large (${s.size} bytes)`);
    if (s.offset + s.size > this.src.size) throw new ElfError(`section ${s.name} lies past the end of the file`);
    return this.src.read(s.offset, s.size);
  }

  /** GNU build id as lowercase hex, '' when absent. */
  buildId(): string {
    if (this.cachedBuildId !== undefined) return this.cachedBuildId;
    let id = '';
    const notes: { offset: number; size: number }[] = [];
    for (const s of this.sections) if (s.type === SHT_NOTE) notes.push({ offset: s.offset, size: s.size });
    if (notes.length === 0) for (const p of this.segments) if (p.type === PT_NOTE) notes.push({ offset: p.offset, size: p.filesz });
    for (const n of notes) {
      if (n.size > 1 << 20 || n.offset + n.size > this.src.size) continue;
      const b = this.src.read(n.offset, n.size);
      const v = dv(b);
      let o = 0;
      while (o + 12 <= b.byteLength) {
        const namesz = v.getUint32(o, true);
        const descsz = v.getUint32(o + 4, true);
        const type = v.getUint32(o + 8, true);
        const nameStart = o + 12;
        const descStart = nameStart + ((namesz + 3) & ~3);
        const next = descStart + ((descsz + 3) & ~3);
        if (next > b.byteLength || next <= o) break;
        if (type === NT_GNU_BUILD_ID && namesz === 4 && cstr(b, nameStart, 4) === 'GNU') {
          id = toHex(b.subarray(descStart, descStart + descsz));
          break;
        }
        o = next;
      }
      if (id) break;
    }
    this.cachedBuildId = id;
    return id;
  }

  /** Virtual address for a file offset (through the PT_LOAD segment holding it). */
  offsetToVaddr(fileOffset: number): number | undefined {
    for (const p of this.segments) {
      if (p.type === PT_LOAD && fileOffset >= p.offset && fileOffset < p.offset + Math.max(p.filesz, p.memsz)) {
        return fileOffset - p.offset + p.vaddr;
      }
    }
    return undefined;
  }

  /**
   * Function symbols of .symtab (or of .dynsym when .symtab has none: a non-stripped binary's
   * .symtab already holds every dynamic symbol), sorted by address; aliases at the same
   * address keep the global one, then the larger one. Works on typed arrays: no object per
   * symbol and no string until a name is asked for.
   */
  functionSymbols(which: 'any' | 'symtab' | 'dynsym' = 'any'): SymbolTable {
    const tabs = (which === 'dynsym' ? [] : this.sections.filter((s) => s.type === SHT_SYMTAB)).concat(which === 'symtab' ? [] : this.sections.filter((s) => s.type === SHT_DYNSYM));
    let addrs = new Float64Array(0);
    let sizes = new Float64Array(0);
    let globals = new Uint8Array(0);
    let nameStart = new Uint32Array(0);
    let nameLen = new Uint16Array(0);
    let strs: Uint8Array = new Uint8Array(0);
    let n = 0;
    for (const s of tabs) {
      if (n > 0) break; // .symtab had functions: .dynsym adds nothing
      const strSec = this.sections[s.link];
      if (!strSec || (s.entsize !== 24 && s.entsize !== 0)) continue;
      const data = this.sectionData(s, MAX_SYMTAB_BYTES);
      strs = this.sectionData(strSec, MAX_STRTAB_BYTES);
      const v = dv(data);
      const total = Math.floor(data.byteLength / 24);
      addrs = new Float64Array(total);
      sizes = new Float64Array(total);
      globals = new Uint8Array(total);
      nameStart = new Uint32Array(total);
      nameLen = new Uint16Array(total);
      const sb = strs;
      for (let i = 1; i < total; i++) {
        const o = i * 24;
        const info = data[o + 4] ?? 0;
        const stype = info & 0xf;
        if (stype !== STT_FUNC && stype !== STT_GNU_IFUNC) continue;
        if (v.getUint16(o + 6, true) === 0) continue;
        const addr = u64(v, o + 8);
        if (addr === 0) continue;
        const off = v.getUint32(o, true);
        if (off >= sb.byteLength) continue;
        let end = sb.indexOf(0, off);
        if (end < 0) end = sb.byteLength;
        if (end === off) continue;
        addrs[n] = addr;
        sizes[n] = u64(v, o + 16);
        globals[n] = info >> 4 !== 0 ? 1 : 0;
        nameStart[n] = off;
        nameLen[n] = Math.min(end - off, 4096);
        n++;
      }
    }
    const order = sortedOrder(addrs, n);
    // Aliases at one address: keep the global one, then the larger one, then the first.
    const better = (i: number, j: number): boolean => (globals[i] ?? 0) - (globals[j] ?? 0) > 0 || ((globals[i] ?? 0) === (globals[j] ?? 0) && (sizes[i] ?? 0) > (sizes[j] ?? 0));
    const keep: number[] = [];
    let bytes = 0;
    for (let k = 0; k < n; ) {
      let best = order[k] ?? 0;
      const a = addrs[best] ?? 0;
      let e = k + 1;
      for (; e < n && (addrs[order[e] ?? 0] ?? 0) === a; e++) {
        const c = order[e] ?? 0;
        if (better(c, best)) best = c;
      }
      keep.push(best);
      bytes += nameLen[best] ?? 0;
      k = e;
    }
    const outAddrs = new Float64Array(keep.length);
    const outSizes = new Float64Array(keep.length);
    const offs = new Uint32Array(keep.length + 1);
    const names = new Uint8Array(bytes);
    let at = 0;
    keep.forEach((i, j) => {
      outAddrs[j] = addrs[i] ?? 0;
      outSizes[j] = sizes[i] ?? 0;
      offs[j] = at;
      const st = nameStart[i] ?? 0;
      const len = nameLen[i] ?? 0;
      names.set(strs.subarray(st, st + len), at);
      at += len;
    });
    offs[keep.length] = at;
    return new SymbolTable(outAddrs, outSizes, offs, names);
  }

  /** Function symbols of .symtab alone (0 when stripped). */
  hasSymtabFunctions(): boolean {
    return this.sections.some((s) => s.type === SHT_SYMTAB && s.size >= 48);
  }

  /** The `.gnu_debuglink` section: a debug file's name and the CRC32 of its contents. */
  debugLink(): { name: string; crc: number } | undefined {
    const s = this.section('.gnu_debuglink');
    if (!s || s.type === SHT_NOBITS || s.size < 6 || s.size > 4096) return undefined;
    const b = this.sectionData(s, 4096);
    const end = b.indexOf(0);
    if (end <= 0) return undefined;
    const name = utf8.decode(b.subarray(0, end));
    const crcAt = (end + 1 + 3) & ~3;
    if (crcAt + 4 > b.byteLength || name.includes('/')) return undefined;
    return { name, crc: dv(b).getUint32(crcAt, true) };
  }

  hasSection(name: string): boolean {
    return this.sections.some((s) => s.name === name);
  }

  close(): void {
    this.src.close();
  }
}

/**
 * Indices 0..n-1 ordered by address (stable). Addresses below 2^32 with fewer than 2^21 symbols
 * (nearly every binary) pack (address, index) into one double and use the native numeric sort,
 * several times faster than a comparator over ~100k symbols.
 */
function sortedOrder(addrs: Float64Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, addrs[i] ?? 0);
  if (max < 2 ** 32 && n < 2 ** 21) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (addrs[i] ?? 0) * 2 ** 21 + i;
    keys.sort();
    for (let k = 0; k < n; k++) order[k] = (keys[k] ?? 0) % 2 ** 21;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (addrs[a] ?? 0) - (addrs[b] ?? 0) || a - b);
  return order;
}

/** Index of the symbol containing `addr`, or -1. */
export function lookupSymbol(t: SymbolTable, addr: number): number {
  const found = lastAtOrBelow(t.addrs, addr);
  if (found < 0) return -1;
  const size = t.sizes[found] ?? 0;
  const start = t.addrs[found] ?? 0;
  if (size > 0 && addr >= start + size) return -1;
  if (size === 0 && addr - start > 1 << 20) return -1;
  return found;
}
