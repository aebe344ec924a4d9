// The Itanium C++ ABI demangler in plain TypeScript, printing what GNU c++filt prints (full
// signatures, the return types of function templates, `(anonymous namespace)`, `1ul`, std::
// abbreviations spelled out, packs expanded with reference collapsing). It stays for C++ because
// gecko-profiler-demangle's C++ path (cpp_demangle 0.4.4) is worse on real binaries: on the 78,865
// C++ symbols of Node 20.20.2, 10,309 of its outputs differ from c++filt's (8,171 after the style
// fixes of demangle.ts), against 607 for this parser (552 of them symbols it gives up on), and
// some of the library's are wrong rather than styled differently: a templated constructor loses
// its first parameter, `v8::internal::String*::Match::CaptureState` for a pointer to a nested
// type, `node::Histogram const::Options&`. demangle.ts asks the library only for what this parser
// gives up on. bench/demangle-compare.ts --engine parser|library|library-styled re-measures.
//
// Covered: nested and unscoped names, std:: abbreviations and substitutions, templates
// (types, template parameters, integer/bool literals, packs), constructors/destructors,
// operators, conversion operators, local names (incl. string literals and discriminators),
// anonymous namespaces, builtin types, pointers/references/cv-qualifiers, function and array
// types, pointers to members, pack expansions, ABI tags, GCC clone suffixes (.cold, .isra.0...).
// Not covered (it throws, and the caller falls back): template-argument expressions other than
// literals (X...E, decltype, sizeof...), lambdas' full signatures, vendor-extended qualifiers.

class Fail extends Error {}

const MAX_STEPS = 100_000;

// ---------------------------------------------------------------------------------------------
// Itanium C++ ABI.

const BUILTIN: Record<string, string> = {
  v: 'void', w: 'wchar_t', b: 'bool', c: 'char', a: 'signed char', h: 'unsigned char', s: 'short',
  t: 'unsigned short', i: 'int', j: 'unsigned int', l: 'long', m: 'unsigned long', x: 'long long',
  y: 'unsigned long long', n: '__int128', o: 'unsigned __int128', f: 'float', d: 'double',
  e: 'long double', g: '__float128', z: '...',
};
const BUILTIN_D: Record<string, string> = {
  d: 'decimal64', e: 'decimal128', f: 'decimal32', h: 'half', i: 'char32_t', s: 'char16_t',
  u: 'char8_t', a: 'auto', c: 'decltype(auto)', n: 'decltype(nullptr)',
};
const OPERATORS: Record<string, string> = {
  nw: 'new', na: 'new[]', dl: 'delete', da: 'delete[]', ps: '+', ng: '-', ad: '&', de: '*', co: '~',
  pl: '+', mi: '-', ml: '*', dv: '/', rm: '%', an: '&', or: '|', eo: '^', aS: '=', pL: '+=', mI: '-=',
  mL: '*=', dV: '/=', rM: '%=', aN: '&=', oR: '|=', eO: '^=', ls: '<<', rs: '>>', lS: '<<=', rS: '>>=',
  eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=', ss: '<=>', nt: '!', aa: '&&', oo: '||',
  pp: '++', mm: '--', cm: ',', pm: '->*', pt: '->', cl: '()', ix: '[]', qu: '?',
};
/** As the prefix of a nested name, c++filt spells the std abbreviations out. */
const STD_SUBS_FULL: Record<string, [string, string]> = {
  s: ['std::basic_string<char, std::char_traits<char>, std::allocator<char> >', 'basic_string'],
  i: ['std::basic_istream<char, std::char_traits<char> >', 'basic_istream'],
  o: ['std::basic_ostream<char, std::char_traits<char> >', 'basic_ostream'],
  d: ['std::basic_iostream<char, std::char_traits<char> >', 'basic_iostream'],
};
const STD_SUBS: Record<string, string> = {
  a: 'std::allocator', b: 'std::basic_string',
  s: 'std::basic_string<char, std::char_traits<char>, std::allocator<char> >',
  i: 'std::basic_istream<char, std::char_traits<char> >',
  o: 'std::basic_ostream<char, std::char_traits<char> >',
  d: 'std::basic_iostream<char, std::char_traits<char> >',
};

interface Name {
  text: string;
  /** Last unqualified component (for constructor names). */
  last: string;
  /** It ends with template args: a function then encodes its return type first. */
  template: boolean;
  ctorDtor: boolean;
}

class Itanium {
  i = 0;
  steps = 0;
  subs: string[] = [];
  tmpl: string[] = [];
  constructor(readonly s: string) {}

  peek(n = 0): string {
    return this.s.charAt(this.i + n);
  }
  eat(prefix: string): boolean {
    if (this.s.startsWith(prefix, this.i)) {
      this.i += prefix.length;
      return true;
    }
    return false;
  }
  need(prefix: string): void {
    if (!this.eat(prefix)) throw new Fail();
  }
  tick(): void {
    if (++this.steps > MAX_STEPS) throw new Fail();
  }

  number(): number {
    const neg = this.eat('n');
    const m = /^\d+/.exec(this.s.slice(this.i));
    if (!m) throw new Fail();
    this.i += m[0].length;
    return neg ? -Number(m[0]) : Number(m[0]);
  }

  seqId(): number {
    // S_ = 0, S<base36>_ = n + 1
    if (this.eat('_')) return 0;
    const m = /^[0-9A-Z]+/.exec(this.s.slice(this.i));
    if (!m) throw new Fail();
    this.i += m[0].length;
    this.need('_');
    return parseInt(m[0], 36) + 1;
  }

  /** `withReturn` false for the function of a local name, which c++filt prints without it. */
  encoding(withReturn = true): string {
    this.tick();
    if (this.eat('TV')) return `vtable for ${this.type()}`;
    if (this.eat('TT')) return `VTT for ${this.type()}`;
    if (this.eat('TI')) return `typeinfo for ${this.type()}`;
    if (this.eat('TS')) return `typeinfo name for ${this.type()}`;
    if (this.eat('Th')) {
      this.number();
      this.need('_');
      return `non-virtual thunk to ${this.encoding()}`;
    }
    if (this.eat('Tv')) {
      this.number();
      this.need('_');
      this.number();
      this.need('_');
      return `virtual thunk to ${this.encoding()}`;
    }
    if (this.eat('GV')) return `guard variable for ${this.name().text}`;
    if (this.eat('GR')) {
      const n = this.name().text;
      while (this.i < this.s.length && this.peek() !== '_') this.i++;
      this.eat('_');
      return `reference temporary for ${n}`;
    }
    this.quals = '';
    const outer = this.topName;
    this.topName = true;
    const name = this.name();
    this.topName = outer;
    const quals = this.quals;
    if (this.i >= this.s.length || this.peek() === 'E' || this.peek() === '.') return name.text;
    const ret = name.template && !name.ctorDtor ? this.type() : ''; // template functions encode their return type
    const params = this.bareFunctionType();
    return `${ret && withReturn ? ret + ' ' : ''}${name.text}(${params})${quals}`;
  }

  quals = '';
  /** Parsing the name of an encoding: its template arguments are the T_ of what follows. */
  topName = false;

  bareFunctionType(): string {
    const types: string[] = [];
    while (this.i < this.s.length && this.peek() !== 'E' && this.peek() !== '.') types.push(this.type());
    if (types.length === 1 && types[0] === 'void') return '';
    return types.filter((t) => t !== '').join(', '); // an empty pack expansion prints nothing
  }

  name(): Name {
    this.tick();
    if (this.peek() === 'N') return this.nestedName();
    if (this.peek() === 'Z') return this.localName();
    let n: Name;
    if (this.eat('St')) {
      const u = this.unqualifiedName('');
      n = { text: 'std::' + u, last: u, template: false, ctorDtor: false };
    } else if (this.peek() === 'S' && this.peek(1) !== 't') {
      const sub = this.substitution();
      n = { text: sub, last: sub, template: false, ctorDtor: false };
      if (this.peek() !== 'I') throw new Fail();
    } else {
      const u = this.unqualifiedName('');
      n = { text: u, last: u, template: false, ctorDtor: false };
    }
    if (this.peek() === 'I') {
      this.subs.push(n.text);
      const args = this.templateArgs(true);
      n = { ...n, text: n.text + (n.text.endsWith('<') ? ' ' : '') + args, template: true };
    }
    return n;
  }

  localName(): Name {
    this.need('Z');
    const enc = this.encoding(false);
    this.need('E');
    if (this.eat('s')) {
      this.discriminator();
      return { text: `${enc}::string literal`, last: 'string literal', template: false, ctorDtor: false };
    }
    if (this.eat('d')) {
      if (this.peek() !== '_') this.number();
      this.need('_');
    }
    const inner = this.name();
    this.discriminator();
    return { ...inner, text: `${enc}::${inner.text}` };
  }

  discriminator(): void {
    if (this.eat('__')) {
      this.number();
      this.need('_');
    } else if (this.eat('_')) this.number();
  }

  nestedName(): Name {
    this.need('N');
    let q = '';
    for (;;) {
      if (this.eat('r')) q += ' restrict';
      else if (this.eat('V')) q += ' volatile';
      else if (this.eat('K')) q += ' const';
      else break;
    }
    if (this.eat('R')) q += ' &';
    else if (this.eat('O')) q += ' &&';
    let prefix = '';
    let last = '';
    let template = false;
    let ctorDtor = false;
    while (!this.eat('E')) {
      this.tick();
      if (this.i >= this.s.length) throw new Fail();
      const c = this.peek();
      if (c === 'S' && !prefix && this.peek(1) !== 't') {
        const full = STD_SUBS_FULL[this.peek(1)];
        if (full) {
          this.i += 2;
          [prefix, last] = full;
          template = false;
          continue;
        }
        prefix = this.substitution();
        last = prefix.split('::').pop() ?? prefix;
        template = false;
        continue;
      }
      if (this.eat('St')) {
        prefix = 'std';
        continue;
      }
      if (c === 'I') {
        if (!prefix) throw new Fail();
        prefix += (prefix.endsWith('<') ? ' ' : '') + this.templateArgs(true);
        template = true;
        if (this.peek() !== 'E') this.subs.push(prefix);
        continue;
      }
      if (c === 'T') {
        prefix = this.templateParam();
        this.subs.push(prefix);
        continue;
      }
      if (c === 'D' && (this.peek(1) === 't' || this.peek(1) === 'T')) {
        prefix = this.type();
        continue;
      }
      if (c === 'M') {
        this.i++;
        continue;
      }
      const u = this.unqualifiedName(last);
      ctorDtor = /^~?[A-Za-z_]/.test(u) && (u === last || u === '~' + last) && this.lastWasCtor;
      last = u;
      prefix = prefix ? `${prefix}::${u}` : u;
      template = false;
      if (this.peek() !== 'E') this.subs.push(prefix);
    }
    this.quals = q;
    return { text: prefix, last, template, ctorDtor };
  }

  lastWasCtor = false;

  unqualifiedName(enclosing: string): string {
    this.tick();
    this.lastWasCtor = false;
    const c = this.peek();
    let out: string;
    if (/\d/.test(c)) out = this.sourceName();
    else if (c === 'C' && /[1-5I]/.test(this.peek(1))) {
      this.i += 2;
      if (this.s[this.i - 1] === 'I') {
        this.i++;
        this.type();
      }
      this.lastWasCtor = true;
      out = enclosing.replace(/<.*$/, '').replace(/\[abi:[^\]]*\]/g, '') || 'ctor';
    } else if (c === 'D' && /[0-5]/.test(this.peek(1))) {
      this.i += 2;
      this.lastWasCtor = true;
      out = '~' + (enclosing.replace(/<.*$/, '').replace(/\[abi:[^\]]*\]/g, '') || 'dtor');
    } else if (this.eat('Ut')) {
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.need('_');
      out = `{unnamed type#${n}}`;
    } else if (this.eat('Ul')) {
      const params = this.bareFunctionType();
      this.need('E');
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.need('_');
      out = `{lambda(${params})#${n}}`;
    } else if (c === 'L') {
      this.i++;
      out = this.sourceName();
      this.discriminator();
    } else out = this.operatorName();
    while (this.eat('B')) out += `[abi:${this.sourceName()}]`;
    return out;
  }

  sourceName(): string {
    const len = this.number();
    if (len <= 0 || this.i + len > this.s.length) throw new Fail();
    const id = this.s.slice(this.i, this.i + len);
    this.i += len;
    if (id.startsWith('_GLOBAL__N')) return '(anonymous namespace)';
    return id;
  }

  operatorName(): string {
    if (this.eat('cv')) return `operator ${this.type()}`;
    if (this.eat('li')) return `operator"" ${this.sourceName()}`;
    if (this.eat('v')) {
      this.i++;
      return `operator ${this.sourceName()}`;
    }
    const code = this.s.slice(this.i, this.i + 2);
    const op = OPERATORS[code];
    if (!op) throw new Fail();
    this.i += 2;
    return /^[a-z]/.test(op) ? `operator ${op}` : `operator${op}`;
  }

  substitution(): string {
    this.need('S');
    const c = this.peek();
    const std = STD_SUBS[c];
    if (std !== undefined && c !== '_' && !/[0-9A-Z]/.test(c)) {
      this.i++;
      return std;
    }
    const id = this.seqId();
    const s = this.subs[id];
    if (s === undefined) throw new Fail();
    return s;
  }

  templateParam(): string {
    this.need('T');
    const id = this.seqId();
    const pack = this.tmplPacks[id];
    if (pack) {
      this.seenPack = id;
      if (this.expanding?.id === id) return pack[this.expanding.k] ?? '';
    }
    return this.tmpl[id] ?? `T${id}`;
  }

  /** Template arguments that are packs (J...E): their elements, by parameter index. */
  tmplPacks: (string[] | undefined)[] = [];
  /** The pack parameter a type just parsed referred to. */
  seenPack: number | undefined;
  /** While expanding `Dp <type>`: which pack, and which of its elements stands for it. */
  expanding: { id: number; k: number } | undefined;
  /** The elements of the pack the template argument just parsed was, if it was one. */
  lastPack: string[] | undefined;

  /**
   * `Dp <type>`: the type once per element of the pack it names, as c++filt prints it
   * (`DpOT_` with T_ = {int&, long} is `int&, long&&`). Re-parses the type for each element;
   * the substitutions stay those of the first parse.
   */
  packExpansion(): string {
    const start = this.i;
    const outerSeen = this.seenPack;
    this.seenPack = undefined;
    const once = this.type();
    const id = this.seenPack;
    this.seenPack = outerSeen;
    const pack = id === undefined ? undefined : this.tmplPacks[id];
    if (id === undefined || !pack || this.expanding) return once;
    const end = this.i;
    const subs = this.subs;
    const out: string[] = [];
    for (let k = 0; k < pack.length; k++) {
      this.subs = subs.slice();
      this.i = start;
      this.expanding = { id, k };
      try {
        out.push(this.type());
      } finally {
        this.expanding = undefined;
      }
    }
    this.subs = subs;
    this.i = end;
    return out.join(', ');
  }

  templateArgs(record: boolean): string {
    this.need('I');
    const args: string[] = [];
    const packs: (string[] | undefined)[] = [];
    while (!this.eat('E')) {
      this.tick();
      if (this.i >= this.s.length) throw new Fail();
      args.push(this.templateArg());
      packs.push(this.lastPack);
      this.lastPack = undefined;
    }
    if (record && this.topName) {
      this.tmpl = args;
      this.tmplPacks = packs;
    }
    return `<${joinArgs(args)}>`;
  }

  templateArg(): string {
    const c = this.peek();
    if (c === 'L') return this.literal();
    if (c === 'X') throw new Fail();
    if (c === 'J') {
      this.i++;
      const a: string[] = [];
      while (!this.eat('E')) {
        this.tick();
        if (this.i >= this.s.length) throw new Fail();
        a.push(this.templateArg());
      }
      this.lastPack = a.filter(Boolean);
      return this.lastPack.join(', ');
    }
    return this.type();
  }

  literal(): string {
    this.need('L');
    if (this.eat('_Z')) {
      const e = this.encoding();
      this.need('E');
      return e;
    }
    const t = this.type();
    const m = /^n?[0-9a-f.]*/.exec(this.s.slice(this.i));
    const v = m?.[0] ?? '';
    this.i += v.length;
    this.need('E');
    const num = v.startsWith('n') ? '-' + v.slice(1) : v;
    if (t === 'bool') return num === '0' ? 'false' : 'true';
    if (t === 'int') return num;
    if (t === 'unsigned int') return num + 'u';
    if (t === 'long') return num + 'l';
    if (t === 'unsigned long') return num + 'ul';
    if (t === 'char') return `(char)${num}`;
    if (t === 'decltype(nullptr)') return 'nullptr';
    return `(${t})${num}`;
  }

  type(): string {
    this.tick();
    const outer = this.topName;
    this.topName = false;
    try {
      return this.typeInner();
    } finally {
      this.topName = outer;
    }
  }

  typeInner(): string {
    const c = this.peek();
    const b = BUILTIN[c];
    if (b !== undefined) {
      this.i++;
      return b;
    }
    const start = this.i;
    let out: string;
    switch (c) {
      case 'u':
        this.i++;
        out = this.sourceName();
        break;
      case 'D': {
        const d = BUILTIN_D[this.peek(1)];
        if (d !== undefined) {
          this.i += 2;
          return d;
        }
        if (this.eat('Dp')) {
          out = this.packExpansion();
          break;
        }
        if (this.eat('Dv')) {
          const n = this.number();
          this.need('_');
          out = `${this.type()} __vector(${n})`;
          break;
        }
        throw new Fail();
      }
      case 'P':
        this.i++;
        out = this.pointerish('*');
        break;
      case 'R':
        this.i++;
        out = this.pointerish('&');
        break;
      case 'O':
        this.i++;
        out = this.pointerish('&&');
        break;
      case 'K':
      case 'V':
      case 'r': {
        let q = '';
        while (/[KVr]/.test(this.peek())) {
          const x = this.peek();
          this.i++;
          q = (x === 'K' ? ' const' : x === 'V' ? ' volatile' : ' restrict') + q;
        }
        const inner = this.type();
        out = qualify(inner, q);
        break;
      }
      case 'F': {
        this.i++;
        this.eat('Y');
        const ret = this.type();
        const params = this.bareFunctionType();
        if (!this.eat('R')) this.eat('O');
        this.need('E');
        out = `${ret} (${params})`; // a function type is a substitution candidate too
        break;
      }
      case 'A': {
        this.i++;
        let dim = '';
        if (/\d/.test(this.peek())) dim = String(this.number());
        this.need('_');
        out = `${this.type()} [${dim}]`;
        break;
      }
      case 'M': {
        this.i++;
        const cls = this.type();
        const mem = this.type();
        out = mem.includes('(') ? mem.replace(' (', ` (${cls}::*)(`) : `${mem} ${cls}::*`;
        break;
      }
      case 'T':
        out = this.templateParam();
        if (this.peek() === 'I') {
          this.subs.push(out);
          out += this.templateArgs(false);
        }
        break;
      case 'S':
        if (this.peek(1) === 't') {
          out = this.name().text;
          break;
        }
        out = this.substitution();
        if (this.peek() === 'I') {
          out += this.templateArgs(false);
          break;
        }
        return out; // substitutions are not added again
      case 'N':
      case 'Z':
        out = this.name().text;
        break;
      default:
        if (/\d/.test(c)) {
          out = this.sourceName();
          if (this.peek() === 'I') {
            this.subs.push(out);
            out += this.templateArgs(false);
          }
          break;
        }
        throw new Fail();
    }
    if (this.i > start) this.subs.push(out);
    return out;
  }

  pointerish(sym: string): string {
    const inner = this.type();
    const fn = splitFunctionType(inner);
    if (fn) return `${fn.ret} (${collapse(fn.declarator, sym)})(${fn.params})`;
    const refToArray = /^(.*) \((&&?)\) (\[\d*\])$/.exec(inner);
    if (refToArray && sym !== '*') return sym === '&' ? `${refToArray[1]} (&) ${refToArray[3]}` : inner;
    const array = /^([^()[\]]*) \[(\d*)\]$/.exec(inner);
    if (array) return `${array[1]} (${sym}) [${array[2]}]`;
    return collapse(inner, sym);
  }
}

/** `type` followed by `sym`, with reference collapsing (T_ = int&: T_&& is int&). */
function collapse(type: string, sym: string): string {
  if (sym !== '*' && type.endsWith('&&')) return sym === '&' ? type.slice(0, -1) : type;
  if (sym !== '*' && type.endsWith('&')) return type;
  return type + sym;
}

/**
 * cv-qualifiers on a type as c++filt places them: inside a function pointer's declarator
 * (`void (* const)(int)`), before an array's bound (`char const [5]`), and only once on a
 * template argument that is already const (T_ = int const: T_ const is int const).
 */
function qualify(inner: string, q: string): string {
  if (q === ' const' && inner.endsWith(' const')) return inner;
  const fn = splitFunctionType(inner);
  if (fn?.declarator) return `${fn.ret} (${fn.declarator}${q})(${fn.params})`;
  const array = /^([^()[\]]*) (\[\d*\])$/.exec(inner);
  if (array) return `${array[1]}${q} ${array[2]}`;
  return inner + q;
}

/** The index of the '(' that matches the ')' at `close`, or -1. */
function openingParen(s: string, close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    if (s[i] === ')') depth++;
    else if (s[i] === '(' && --depth === 0) return i;
  }
  return -1;
}

/**
 * A function type as printed, `ret (params)` or, already behind a pointer or reference,
 * `ret (*)(params)`: its parts, so another * or & goes inside the declarator (`ret (**)(params)`).
 */
function splitFunctionType(t: string): { ret: string; declarator: string; params: string } | undefined {
  if (!t.endsWith(')')) return undefined;
  const open = openingParen(t, t.length - 1);
  if (open <= 0) return undefined;
  const params = t.slice(open + 1, -1);
  if (t[open - 1] === ' ') return { ret: t.slice(0, open - 1), declarator: '', params };
  if (t[open - 1] !== ')') return undefined;
  const declOpen = openingParen(t, open - 1);
  if (declOpen <= 1 || t[declOpen - 1] !== ' ' || !/^[*&](?:[*&]| const| volatile)*$/.test(t.slice(declOpen + 1, open - 1))) return undefined;
  return { ret: t.slice(0, declOpen - 1), declarator: t.slice(declOpen + 1, open - 1), params };
}

/**
 * Template arguments as c++filt joins them: an empty pack prints nothing and takes its comma
 * with it, yet still counts as the last thing printed, so `<A<int>, >` becomes `<A<int>>` while
 * `<A<int> >` keeps the space that separates a closing `>` from another.
 */
function joinArgs(args: readonly string[]): string {
  let out = args[0] ?? '';
  let last = out.at(-1) ?? '<';
  for (const a of args.slice(1)) {
    if (a === '') {
      last = ' ';
      continue;
    }
    out += ', ' + a;
    last = a.at(-1) ?? last;
  }
  return last === '>' ? out + ' ' : out;
}

export function demangleItanium(symbol: string): string {
  let base = symbol;
  let clone = '';
  const dot = symbol.indexOf('.');
  if (dot > 0) {
    base = symbol.slice(0, dot);
    clone = symbol
      .slice(dot)
      .split(/(?=\.(?:cold|isra|constprop|part|lto_priv|clone|localalias|str))/)
      .filter(Boolean)
      .map((c) => ` [clone ${c}]`)
      .join('');
  }
  const p = new Itanium(base);
  p.need('_Z');
  const out = p.encoding();
  if (p.i !== base.length) throw new Fail();
  return out + clone;
}
