// The reference the demangler is measured against: GNU c++filt (binutils), which prints what
// perf and gdb print. Used by demangle.test.ts and bench/demangle-compare.ts only; the agent
// bundle does not import it.
import { execFileSync } from 'node:child_process';

export function haveCxxfilt(): boolean {
  try {
    execFileSync('c++filt', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The distinct Itanium C++ symbols (`_Z…`) of an ELF file's static and dynamic symbol tables. */
export function cxxSymbolsOf(file: string): string[] {
  const names = new Set<string>();
  for (const flags of [[], ['-D']]) {
    let out = '';
    try {
      out = execFileSync('nm', [...flags, file], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue; // "no symbols" (a stripped file) exits non-zero
    }
    for (const line of out.split('\n')) {
      const name = (line.split(' ').pop() ?? '').replace(/@.*/, '');
      if (name.startsWith('_Z')) names.add(name);
    }
  }
  return [...names].sort();
}

/** c++filt's output for each symbol, in order (one process for all of them). */
export function cxxfilt(symbols: readonly string[]): string[] {
  if (symbols.length === 0) return [];
  const out = execFileSync('c++filt', [], { input: symbols.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 30 });
  const lines = out.split('\n').slice(0, symbols.length);
  if (lines.length !== symbols.length) throw new Error(`c++filt printed ${lines.length} lines for ${symbols.length} symbols`);
  return lines;
}
