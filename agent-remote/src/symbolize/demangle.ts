// Symbol demangling in plain TypeScript: C++ (Itanium ABI) and Rust (legacy and v0).
//
// Covered: nested and unscoped names, std:: abbreviations and substitutions, templates
// (types, template parameters, integer/bool literals), constructors/destructors, operators,
// conversion operators, local names (incl. string literals and discriminators), anonymous
// namespaces, builtin types, pointers/references/cv-qualifiers, function and array types,
// pointers to members, pack expansions, ABI tags, GCC clone suffixes (.cold, .isra.0...),
// Rust legacy (_ZN...17h<hash>E, with $..$ escapes; the hash is dropped) and Rust v0 (_R:
// crate roots, nested paths, closures/shims, inherent and trait impls, generic arguments,
// basic/ref/pointer/tuple/slice/array types, backrefs, constants).
// Not covered (the raw symbol is returned unchanged): template-argument expressions other
// than literals (X...E, decltype, sizeof...), lambdas' full signatures (printed as
// {lambda()#N}), vendor-extended qualifiers, Rust v0 punycode identifiers, dyn traits with
// associated-type bindings beyond the simple form, and any input the parser does not accept.

class Fail extends Error {}

const MAX_INPUT = 4096;
const MAX_STEPS = 100_000;

export function demangle(symbol: string): string {
  if (symbol.length > MAX_INPUT) return symbol;
  try {
    if (symbol.startsWith('_R')) return demangleRustV0(symbol);
    if (symbol.startsWith('_Z')) {
      const rust = demangleRustLegacy(symbol);
      if (rust !== undefined) return rust;
      return demangleItanium(symbol);
    }
  } catch {
    return symbol;
  }
  return symbol;
}

// ---------------------------------------------------------------------------------------------
// Rust legacy: _ZN <len ident>* 17h<16 hex> E, identifiers with $..$ escapes.

const RUST_ESCAPES: Record<string, string> = {
  SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',',
};

function rustLegacyIdent(s: string): string {
  let out = s.startsWith('_$') ? s.slice(1) : s;
  out = out.replace(/\$([A-Z]{1,2}|u[0-9a-f]{2,6})\$/g, (m, code: string) => {
    if (code.startsWith('u')) return String.fromCodePoint(parseInt(code.slice(1), 16));
    return RUST_ESCAPES[code] ?? m;
  });
  return out.replace(/\.\./g, '::');
}

export function demangleRustLegacy(symbol: string): string | undefined {
  if (!symbol.startsWith('_ZN')) return undefined;
  let i = 3;
  const parts: string[] = [];
  while (i < symbol.length && symbol[i] !== 'E') {
    const m = /^\d+/.exec(symbol.slice(i));
    if (!m) return undefined;
    const len = Number(m[0]);
    i += m[0].length;
    if (len <= 0 || i + len > symbol.length) return undefined;
    parts.push(symbol.slice(i, i + len));
    i += len;
  }
  if (symbol[i] !== 'E') return undefined;
  const last = parts[parts.length - 1];
  if (!last || !/^h[0-9a-f]{16}$/.test(last)) return undefined;
  const suffix = symbol.slice(i + 1);
  if (suffix !== '' && !suffix.startsWith('.')) return undefined;
  return parts.slice(0, -1).map(rustLegacyIdent).join('::');
}

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

  encoding(): string {
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
    return `${ret ? ret + ' ' : ''}${name.text}(${params})${quals}`;
  }

  quals = '';
  /** Parsing the name of an encoding: its template arguments are the T_ of what follows. */
  topName = false;

  bareFunctionType(): string {
    const types: string[] = [];
    while (this.i < this.s.length && this.peek() !== 'E' && this.peek() !== '.') types.push(this.type());
    if (types.length === 1 && types[0] === 'void') return '';
    return types.join(', ');
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
    const enc = this.encoding();
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
    return this.tmpl[id] ?? `T${id}`;
  }

  templateArgs(record: boolean): string {
    this.need('I');
    const args: string[] = [];
    while (!this.eat('E')) {
      this.tick();
      if (this.i >= this.s.length) throw new Fail();
      args.push(this.templateArg());
    }
    if (record && this.topName) this.tmpl = args;
    const joined = args.join(', ');
    return `<${joined}${joined.endsWith('>') ? ' ' : ''}>`;
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
      return a.join(', ');
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
          out = this.type() + '...';
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
        out = inner.includes('(') && inner.endsWith(')') && inner.includes(')(') ? inner + q : inner + q;
        break;
      }
      case 'F': {
        this.i++;
        this.eat('Y');
        const ret = this.type();
        const params = this.bareFunctionType();
        if (!this.eat('R')) this.eat('O');
        this.need('E');
        return `${ret} (${params})`;
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
    const fn = /^(.*) \((.*)\)$/.exec(inner);
    if (fn && !inner.endsWith(']')) return `${fn[1]} (${sym})(${fn[2]})`;
    return inner + sym;
  }
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

// ---------------------------------------------------------------------------------------------
// Rust v0 (RFC 2603).

const V0_BASIC: Record<string, string> = {
  a: 'i8', b: 'bool', c: 'char', d: 'f64', e: 'str', f: 'f32', h: 'u8', i: 'isize', j: 'usize',
  l: 'i32', m: 'u32', n: 'i128', o: 'u128', s: 'i16', t: 'u16', u: '()', v: '...', x: 'i64',
  y: 'u64', z: '!', p: '_',
};

class RustV0 {
  i = 0;
  steps = 0;
  constructor(readonly s: string) {}
  peek(): string {
    return this.s.charAt(this.i);
  }
  eat(c: string): boolean {
    if (this.s.charAt(this.i) === c) {
      this.i++;
      return true;
    }
    return false;
  }
  tick(): void {
    if (++this.steps > MAX_STEPS) throw new Fail();
  }
  base62(): number {
    // "_" = 0, "<base62>_" = n + 1
    if (this.eat('_')) return 0;
    let n = 0;
    const start = this.i;
    for (;;) {
      const c = this.peek();
      if (c === '_') {
        this.i++;
        return n + 1;
      }
      let d: number;
      if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
      else if (c >= 'a' && c <= 'z') d = c.charCodeAt(0) - 97 + 10;
      else if (c >= 'A' && c <= 'Z') d = c.charCodeAt(0) - 65 + 36;
      else throw new Fail();
      n = n * 62 + d;
      if (this.i - start > 16) throw new Fail();
      this.i++;
    }
  }
  disambiguator(): number {
    return this.eat('s') ? this.base62() + 1 : 0;
  }
  ident(): string {
    if (this.eat('u')) throw new Fail(); // punycode
    const m = /^(?:0|[1-9]\d*)/.exec(this.s.slice(this.i));
    if (!m) throw new Fail();
    this.i += m[0].length;
    const len = Number(m[0]);
    this.eat('_');
    if (this.i + len > this.s.length) throw new Fail();
    const id = this.s.slice(this.i, this.i + len);
    this.i += len;
    return id;
  }
  backref<T>(f: () => T): T {
    const start = this.i - 1;
    const pos = this.base62() + 2; // offsets count from after "_R"
    if (pos >= start) throw new Fail();
    const save = this.i;
    this.i = pos;
    const out = f();
    this.i = save;
    return out;
  }
  path(): string {
    this.tick();
    const c = this.peek();
    this.i++;
    switch (c) {
      case 'C': {
        this.disambiguator();
        return this.ident();
      }
      case 'N': {
        const ns = this.peek();
        this.i++;
        const parent = this.path();
        const dis = this.disambiguator();
        const id = this.ident();
        if (ns === 'C') return `${parent}::{closure${id ? `:${id}` : ''}#${dis}}`;
        if (ns === 'S') return `${parent}::{shim${id ? `:${id}` : ''}#${dis}}`;
        if (/[A-Z]/.test(ns)) return `${parent}::{${ns}${id ? `:${id}` : ''}#${dis}}`;
        return id ? `${parent}::${id}` : parent;
      }
      case 'M': {
        this.disambiguator();
        this.path();
        return `<${this.type()}>`;
      }
      case 'X': {
        this.disambiguator();
        this.path();
        const self = this.type();
        return `<${self} as ${this.path()}>`;
      }
      case 'Y': {
        const self = this.type();
        return `<${self} as ${this.path()}>`;
      }
      case 'I': {
        const p = this.path();
        const args: string[] = [];
        while (!this.eat('E')) {
          if (this.i >= this.s.length) throw new Fail();
          args.push(this.genericArg());
        }
        return `${p}::<${args.join(', ')}>`;
      }
      case 'B':
        return this.backref(() => this.path());
      default:
        throw new Fail();
    }
  }
  genericArg(): string {
    if (this.eat('L')) {
      this.base62();
      return "'_";
    }
    if (this.eat('K')) return this.konst();
    return this.type();
  }
  konst(): string {
    if (this.eat('p')) return '_';
    if (this.eat('B')) return this.backref(() => this.konst());
    const t = this.peek();
    if (!V0_BASIC[t]) throw new Fail();
    this.i++;
    const neg = this.eat('n');
    const m = /^[0-9a-f]*/.exec(this.s.slice(this.i));
    const hex = m?.[0] ?? '';
    this.i += hex.length;
    if (!this.eat('_')) throw new Fail();
    const v = hex ? BigInt('0x' + hex) : 0n;
    if (t === 'b') return v === 0n ? 'false' : 'true';
    if (t === 'c') return `'${String.fromCodePoint(Number(v))}'`;
    return (neg ? '-' : '') + v.toString();
  }
  type(): string {
    this.tick();
    const c = this.peek();
    const b = V0_BASIC[c];
    if (b !== undefined) {
      this.i++;
      return b;
    }
    this.i++;
    switch (c) {
      case 'R':
      case 'Q': {
        if (this.eat('L')) this.base62();
        return (c === 'R' ? '&' : '&mut ') + this.type();
      }
      case 'P':
        return '*const ' + this.type();
      case 'O':
        return '*mut ' + this.type();
      case 'A': {
        const t = this.type();
        return `[${t}; ${this.konst()}]`;
      }
      case 'S':
        return `[${this.type()}]`;
      case 'T': {
        const ts: string[] = [];
        while (!this.eat('E')) {
          if (this.i >= this.s.length) throw new Fail();
          ts.push(this.type());
        }
        return ts.length === 1 ? `(${ts[0]},)` : `(${ts.join(', ')})`;
      }
      case 'F': {
        if (this.eat('G')) this.base62();
        let abi = '';
        if (this.eat('U')) abi = 'unsafe ';
        if (this.eat('K')) abi += this.eat('C') ? 'extern "C" ' : `extern "${this.ident()}" `;
        const ps: string[] = [];
        while (!this.eat('E')) {
          if (this.i >= this.s.length) throw new Fail();
          ps.push(this.type());
        }
        const ret = this.type();
        return `${abi}fn(${ps.join(', ')})${ret === '()' ? '' : ` -> ${ret}`}`;
      }
      case 'D': {
        if (this.eat('G')) this.base62();
        const traits: string[] = [];
        while (!this.eat('E')) {
          if (this.i >= this.s.length) throw new Fail();
          let t = this.path();
          while (this.eat('p')) {
            const name = this.ident();
            t = t.replace(/>?$/, (m) => (m ? `, ${name} = ${this.type()}>` : `<${name} = ${this.type()}>`));
          }
          traits.push(t);
        }
        if (this.eat('L')) this.base62();
        return `dyn ${traits.join(' + ')}`;
      }
      case 'B':
        return this.backref(() => this.type());
      default:
        this.i--;
        return this.path();
    }
  }
}

export function demangleRustV0(symbol: string): string {
  let base = symbol;
  let suffix = '';
  const dot = symbol.indexOf('.');
  if (dot > 0) {
    base = symbol.slice(0, dot);
    suffix = symbol.slice(dot);
  }
  const p = new RustV0(base);
  p.i = 2;
  if (/\d/.test(p.peek())) p.base62(); // encoding version
  const out = p.path();
  // An instantiating crate may follow; ignore it.
  return out + (suffix ? ` (${suffix})` : '');
}
