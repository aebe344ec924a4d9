// One table out of a binary's own symbols and those of its debug file (or MiniDebugInfo), each
// symbol tagged with where it came from. Where the binary's table already names an address its
// name stays: libc's .dynsym says `malloc` where libc6-dbg's .symtab says `__libc_malloc` (an
// alias at the same address), and perf shows `malloc`. The other table adds the addresses the
// first does not name (static functions such as `__libc_start_call_main`).
import { SymbolTable } from './elf';

/** Where a symbol came from (SymbolTable.origins). */
export const ORIGIN = { symtab: 1, dynsym: 2, 'debug-file': 3, minidebuginfo: 4 } as const;
export type SymbolOrigin = keyof typeof ORIGIN;
const ORIGIN_NAMES: readonly (SymbolOrigin | '')[] = ['', 'symtab', 'dynsym', 'debug-file', 'minidebuginfo'];

export function originName(code: number): SymbolOrigin | '' {
  return ORIGIN_NAMES[code] ?? '';
}

/** `base` (all of it) plus the symbols of `extra` at addresses `base` does not name. */
export function mergeSymbols(base: SymbolTable | undefined, baseOrigin: SymbolOrigin, extra: SymbolTable, extraOrigin: SymbolOrigin): SymbolTable {
  const b = base ?? new SymbolTable(new Float64Array(0), new Float64Array(0), new Uint32Array(1), new Uint8Array(0));
  const picks: { t: SymbolTable; i: number; origin: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < b.count || j < extra.count) {
    const ai = i < b.count ? (b.addrs[i] ?? 0) : Infinity;
    const aj = j < extra.count ? (extra.addrs[j] ?? 0) : Infinity;
    if (ai <= aj) {
      picks.push({ t: b, i, origin: b.origins?.[i] ?? ORIGIN[baseOrigin] });
      i++;
      if (ai === aj) j++; // the base names this address
    } else {
      picks.push({ t: extra, i: j, origin: ORIGIN[extraOrigin] });
      j++;
    }
  }
  let bytes = 0;
  for (const p of picks) bytes += p.t.nameBytes(p.i).byteLength;
  const addrs = new Float64Array(picks.length);
  const sizes = new Float64Array(picks.length);
  const offs = new Uint32Array(picks.length + 1);
  const names = new Uint8Array(bytes);
  const origins = new Uint8Array(picks.length);
  let at = 0;
  picks.forEach((p, k) => {
    addrs[k] = p.t.addrs[p.i] ?? 0;
    sizes[k] = p.t.sizes[p.i] ?? 0;
    origins[k] = p.origin;
    offs[k] = at;
    const nb = p.t.nameBytes(p.i);
    names.set(nb, at);
    at += nb.byteLength;
  });
  offs[picks.length] = at;
  return new SymbolTable(addrs, sizes, offs, names, origins);
}
