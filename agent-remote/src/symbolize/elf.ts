// The agent's side of the ELF reader (core/elf): binaries read through a file descriptor,
// Go's function table, and what Posture needs (DWARF present, build paths).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ElfError, ElfFile as CoreElfFile, type ByteSource, type ElfSection } from '../../../core/elf/elf';
import { parseGoPclntab, findPclntabByMagic, type GoFuncTable } from './gopclntab';
import type { BinaryEvidence } from '../../../core/protocol/generated/emberscope.generated';

export * from '../../../core/elf/elf';

const SHT_NOBITS = 8;
const PT_LOAD = 1;

export function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ElfError(`${path} is not a regular file`);
    size = st.size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return {
    size,
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > size) throw new ElfError(`read past the end of ${path}`);
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, offset + done);
        if (n <= 0) throw new ElfError(`short read in ${path}`);
        done += n;
      }
      return buf;
    },
    close() {
      closeSync(fd);
    },
  };
}

export class ElfFile extends CoreElfFile {
  /** Go function table from .gopclntab, or by its magic in a read-only data section when stripped. */
  goFunctions(): GoFuncTable | undefined {
    const text = this.section('.text');
    const sec = this.section('.gopclntab');
    if (sec && sec.type !== SHT_NOBITS) {
      const t = parseGoPclntab(this.sectionData(sec), text?.addr ?? 0);
      if (t) return t;
    }
    // Stripped or section-less: look for the pcHeader magic in the candidate sections.
    const candidates = this.sections.filter((s) => s.type !== SHT_NOBITS && (s.name === '.rodata' || s.name === '.data.rel.ro' || s.name === '.noptrdata'));
    if (candidates.length === 0) {
      for (const p of this.segments) {
        if (p.type === PT_LOAD && (p.flags & 1) === 0 && p.filesz > 0) candidates.push({ name: '', type: 0, flags: 0, addr: p.vaddr, offset: p.offset, size: p.filesz, link: 0, entsize: 0 });
      }
    }
    for (const c of candidates) {
      if (c.size > 1024 * 1024 * 1024) continue;
      const data = this.sectionData(c, 1024 * 1024 * 1024);
      const t = findPclntabByMagic(data, text?.addr ?? 0);
      if (t) return t;
    }
    return undefined;
  }

}

/** What the file itself tells of a binary's evidence for Posture (the rest is about how it was asked for). */
export type ElfEvidence = Pick<BinaryEvidence, 'isElf' | 'buildId' | 'hasSymtab' | 'hasDynsym' | 'hasDwarf' | 'hasGopclntab' | 'buildPaths'>;

/** In strings of unknown purpose (.rodata, .gopclntab): paths under directories builds use. */
const BUILD_PATH_RE = /(?:^|[^A-Za-z0-9_.\-/])(\/(?:home|root|build|builds|tmp|Users|usr\/src|var\/lib\/jenkins|workspace|work|src|opt|srv)\/[A-Za-z0-9_.+\-/]{2,200})/g;
/** In DWARF strings every absolute path names the build host's tree (comp_dir, source files). */
const DWARF_PATH_RE = /(?:^|[^A-Za-z0-9_.\-/])(\/[A-Za-z0-9_.+-]+(?:\/[A-Za-z0-9_.+-]+)+)/g;
/** System headers and toolchain files: in every binary, they say nothing about the build host. */
const SYSTEM_PATH_RE = /^\/(?:usr\/(?:include|lib|lib64|share|local\/include)|lib|lib64)\//;

/** What Posture reports of a binary: DWARF present, symbols, build-host paths (capped). */
export function elfEvidence(elf: ElfFile, maxPaths = 10): ElfEvidence {
  const names = new Set(elf.sections.map((s) => s.name));
  const buildPaths = new Set<string>();
  const scan = (sec: ElfSection | undefined, re: RegExp, limit = 64 * 1024 * 1024): void => {
    if (!sec || buildPaths.size >= maxPaths || sec.size > limit) return;
    const text = new TextDecoder('latin1').decode(elf.sectionData(sec, limit));
    for (const m of text.matchAll(re)) {
      const p = m[1];
      if (p && !SYSTEM_PATH_RE.test(p)) buildPaths.add(p);
      if (buildPaths.size >= maxPaths) break;
    }
  };
  for (const n of ['.debug_line_str', '.debug_str', '.debug_line']) scan(elf.section(n), DWARF_PATH_RE);
  scan(elf.section('.gopclntab'), BUILD_PATH_RE);
  if (!names.has('.debug_str')) scan(elf.section('.rodata'), BUILD_PATH_RE, 16 * 1024 * 1024);
  return {
    isElf: true,
    buildId: elf.buildId(),
    hasSymtab: names.has('.symtab'),
    hasDynsym: names.has('.dynsym'),
    hasDwarf: names.has('.debug_info') || names.has('.zdebug_info'),
    hasGopclntab: names.has('.gopclntab'),
    buildPaths: [...buildPaths],
  };
}
