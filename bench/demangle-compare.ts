// Compares the agent's demangler with GNU c++filt on every C++ symbol (`_Z…`) of a binary
// (default: the node binary running this script), and prints how many outputs differ.
//   node --import tsx bench/demangle-compare.ts [--binary FILE] [--show N] [--engine E]
// --engine: `agent` (default, what the agent runs), `parser` (our Itanium parser alone, the
// symbol unchanged where it gives up), `library` (gecko-profiler-demangle's cpp_demangle alone,
// as it prints) or `library-styled` (the same, its spellings brought to c++filt's as the agent does).
// Kinds of difference: "different" (both demangle, the text differs), "left mangled" (c++filt
// demangles, the agent returns the symbol unchanged), "c++filt left mangled" (the reverse).
import { performance } from 'node:perf_hooks';
import { cxxStyle, demangle } from '../agent-remote/src/symbolize/demangle';
import { cxxSymbolsOf, cxxfilt } from '../agent-remote/src/symbolize/demangle-reference';
import { demangleAny } from '../agent-remote/src/symbolize/demangler-wasm';
import { demangleItanium } from '../agent-remote/src/symbolize/itanium';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const binary = argValue('--binary') ?? process.execPath;
const show = Number(argValue('--show') ?? 10);
const engine = argValue('--engine') ?? 'agent';
const ENGINES: Record<string, (symbol: string) => string> = {
  agent: demangle,
  parser: (s) => {
    try {
      return demangleItanium(s);
    } catch {
      return s;
    }
  },
  library: (s) => {
    const out = demangleAny(s);
    return out === s.slice(1) ? s : out;
  },
  'library-styled': (s) => {
    const out = demangleAny(s);
    return out === s.slice(1) ? s : cxxStyle(out);
  },
};
const run = ENGINES[engine];
if (!run) throw new Error(`--engine: one of ${Object.keys(ENGINES).join(', ')}`);

const symbols = cxxSymbolsOf(binary);
const reference = cxxfilt(symbols);
const t0 = performance.now();
const ours = symbols.map((s) => run(s));
const ms = performance.now() - t0;

const kinds = { same: [] as string[], different: [] as string[], 'left mangled': [] as string[], 'c++filt left mangled': [] as string[] };
symbols.forEach((s, i) => {
  const want = reference[i] ?? '';
  const got = ours[i] ?? '';
  const line = `${s}\n    c++filt: ${want}\n    agent:   ${got}`;
  if (got === want) kinds.same.push(line);
  else if (got === s) kinds['left mangled'].push(line);
  else if (want === s) kinds['c++filt left mangled'].push(line);
  else kinds.different.push(line);
});

console.log(`${binary}: ${symbols.length} C++ symbols, demangled by ${engine} in ${ms.toFixed(0)} ms`);
for (const [kind, lines] of Object.entries(kinds)) console.log(`  ${kind}: ${lines.length}`);
console.log(`  differ from c++filt: ${symbols.length - kinds.same.length}`);
for (const [kind, lines] of Object.entries(kinds)) {
  if (kind === 'same' || lines.length === 0 || show <= 0) continue;
  console.log(`\n${kind} (first ${Math.min(show, lines.length)}):`);
  for (const l of lines.slice(0, show)) console.log(`  ${l}`);
}
