// Symbol demangling: Rust (legacy and v0) and C++ (Itanium ABI), printed as rustfilt and GNU
// c++filt print them.
//  - Rust: gecko-profiler-demangle (rustc-demangle 0.1.26 compiled to WebAssembly), the
//    reference implementation: legacy `_ZN…17h<hash>E` (hash dropped) and v0 `_R…`.
//  - C++: our own parser (itanium.ts) first, since it agrees with c++filt on more of a real
//    binary's symbols than the library's cpp_demangle; what it gives up on (decltype and other
//    expressions in template arguments, lambdas' signatures...) goes to the library, whose
//    style is then brought to c++filt's (cxxStyle below).
// Never throws; returns the symbol unchanged when no demangler accepts it or when it or the
// result is longer than the bounds below.
import { demangleAny } from './demangler-wasm';
import { demangleItanium } from './itanium';

export const MAX_INPUT = 4096;
export const MAX_OUTPUT = 16_384;

/** Rust legacy: the hash rustc appends, or the $..$ escapes of its identifiers (not C++'s). */
const RUST_LEGACY = /^_ZN(?:.*17h[0-9a-f]{16}E(?:\..*)?$|.*\$(?:LT|GT|SP|BP|RF|LP|RP|C|u[0-9a-f]{2,6})\$)/;

export function demangle(symbol: string): string {
  if (symbol.length > MAX_INPUT || !/^_[ZR]/.test(symbol)) return symbol;
  const out = symbol.startsWith('_R') || RUST_LEGACY.test(symbol) ? library(symbol) : cxx(symbol);
  return out.length > MAX_OUTPUT ? symbol : out;
}

function cxx(symbol: string): string {
  try {
    return demangleItanium(symbol);
  } catch {
    return cxxStyle(library(symbol));
  }
}

/** The library's result, or the symbol itself where it does not demangle (or traps). */
function library(symbol: string): string {
  let out: string;
  try {
    out = demangleAny(symbol);
  } catch {
    return symbol;
  }
  // When nothing accepts a name, demangle_any drops a leading '_' (a Mach-O convention).
  return out === symbol.slice(1) ? symbol : out;
}

const LITERAL_SUFFIX: Record<string, string> = {
  'unsigned int': 'u', long: 'l', 'unsigned long': 'ul', 'long long': 'll', 'unsigned long long': 'ull',
};
const STRING = 'std::basic_string<char, std::char_traits<char>, std::allocator<char> >';
const OSTREAM = 'std::basic_ostream<char, std::char_traits<char> >';

/** cpp_demangle's spellings where c++filt's differ (same meaning). */
export function cxxStyle(name: string): string {
  return addressOfWithoutSignature(name)
    .replace(/(?<![\w$.])_GLOBAL__N[\w$.]*/g, '(anonymous namespace)')
    .replace(/, >/g, '>') // an empty pack: c++filt drops its comma
    .replace(/\((unsigned int|long|unsigned long|long long|unsigned long long)\)(-?\d+)/g, (_m, type: string, n: string) => n + (LITERAL_SUFFIX[type] ?? ''))
    .replace(/(?<![\w:])std::string::(~?)string\b/g, `${STRING}::$1basic_string`)
    .replace(/(?<![\w:])std::ostream::(~?)ostream\b/g, `${OSTREAM}::$1basic_ostream`)
    .replace(/(?<![\w:])std::string(?!\w)/g, STRING)
    .replace(/(?<![\w:])std::ostream(?!\w)/g, OSTREAM);
}

/**
 * A pointer to a function as a template argument: cpp_demangle prints `<&ns::f(int, char)>`,
 * c++filt `<&ns::f>`. Drops the parenthesized signature after `&name` that opens an argument.
 */
function addressOfWithoutSignature(name: string): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const opensArgument = out.endsWith('<') || out.endsWith(', ');
    if (name[i] !== '&' || !opensArgument || !/[A-Za-z_]/.test(name[i + 1] ?? '')) {
      out += name[i];
      i++;
      continue;
    }
    let j = i + 1;
    for (let depth = 0; j < name.length; j++) {
      const c = name.charAt(j);
      if (c === '<') depth++;
      else if (c === '>' && depth > 0) depth--;
      else if (depth === 0 && !/[\w:~]/.test(c)) break;
    }
    out += name.slice(i, j);
    if (name[j] === '(') {
      for (let parens = 0; j < name.length; j++) {
        if (name[j] === '(') parens++;
        else if (name[j] === ')' && --parens === 0) break;
      }
      j++;
      if (name.startsWith(' const', j)) j += ' const'.length;
    }
    i = j;
  }
  return out;
}
