// MiniDebugInfo (Fedora, RHEL, CentOS): a `.gnu_debugdata` section holding an xz-compressed ELF
// whose .symtab lists the functions .dynsym does not (gdb and perf read it). It lives inside the
// binary, so it matches the binary by construction. Bounded: the compressed section at 32 MiB,
// its decompressed ELF at 128 MiB.
import { bufferSource, ElfFile, type SymbolTable } from './elf';
import { xzDecompressSync } from './xz';

const MAX_COMPRESSED = 32 * 1024 * 1024;
const MAX_DECOMPRESSED = 128 * 1024 * 1024;

/** Function symbols of the binary's MiniDebugInfo; undefined when it has none. Throws XzError / ElfError on bad data. */
export function miniDebugInfoSymbols(elf: ElfFile): SymbolTable | undefined {
  const sec = elf.section('.gnu_debugdata');
  if (!sec || sec.size === 0) return undefined;
  const packed = elf.sectionData(sec, MAX_COMPRESSED);
  const inner = new ElfFile(bufferSource(xzDecompressSync(packed, MAX_DECOMPRESSED)));
  const symbols = inner.functionSymbols('symtab');
  return symbols.count > 0 ? symbols : undefined;
}
