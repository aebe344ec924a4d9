import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { demangle } from './demangle';

function haveCxxfilt(): boolean {
  try {
    execFileSync('c++filt', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('demangle', () => {
  it.each([
    ['_ZN3foo3barEv', 'foo::bar()'],
    ['_Z3fooi', 'foo(int)'],
    ['_ZNSt6vectorIiSaIiEE9push_backERKi', 'std::vector<int, std::allocator<int> >::push_back(int const&)'],
    ['_ZNK3Foo3getEv', 'Foo::get() const'],
    ['_ZN12_GLOBAL__N_13fooEv', '(anonymous namespace)::foo()'],
    ['_Z1fIiEvT_', 'void f<int>(int)'],
    ['_ZN3FooD2Ev', 'Foo::~Foo()'],
    ['_ZN3FooclEv', 'Foo::operator()()'],
    ['_Z3barv.cold', 'bar() [clone .cold]'],
    ['_ZN2ns1fB5cxx11Ev', 'ns::f[abi:cxx11]()'],
    ['_ZN4core3fmt9Formatter3pad17h1234567890abcdefE', 'core::fmt::Formatter::pad'],
    ['_ZN5alloc5slice29_$LT$impl$u20$$u5b$T$u5d$$GT$6to_vec17hd5e7bd7b8a5d7c6aE', 'alloc::slice::<impl [T]>::to_vec'],
    ['_RNvC6_123foo3bar', '123foo::bar'],
    ['_RNvNtCs1234_7mycrate3foo3bar', 'mycrate::foo::bar'],
    ['_RNCNCNgCs6DXkGYLi8lr_2cc5spawn00B5_', 'cc::spawn::{closure#0}::{closure#0}'],
    ['_RINvCs1234_3foo7genericReEB2_', 'foo::generic::<&str>'],
    ['_RINbNbCskIICzLVDPPb_5alloc5alloc8box_freeDINbNiB4_5boxed5FnBoxuEp6OutputuEL_ECs1iopQbuBiw2_3std', 'alloc::alloc::box_free::<dyn alloc::boxed::FnBox::<(), Output = ()>>'],
    ['main', 'main'],
    ['_Zgarbage', '_Zgarbage'],
    ['_ZN3foo', '_ZN3foo'],
  ])('%s', (mangled, expected) => {
    expect(demangle(mangled)).toBe(expected);
  });

  it('never throws on junk and is bounded', () => {
    let seed = 99;
    const alphabet = '_ZNRSEIKTLv0123456789abcdefghijklmnopqrstuvwxyz$.';
    for (let k = 0; k < 5000; k++) {
      let s = k % 2 ? '_Z' : '_R';
      for (let j = 0; j < 40; j++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        s += alphabet[seed % alphabet.length];
      }
      expect(typeof demangle(s)).toBe('string');
    }
    expect(demangle('_Z' + 'P'.repeat(10000) + 'v')).toMatch(/^_Z/);
  });

  it.runIf(haveCxxfilt())('agrees with c++filt on the exported symbols of libstdc++ (or leaves them unchanged)', () => {
    const nm = execFileSync('nm', ['-D', '--defined-only', '/usr/lib/x86_64-linux-gnu/libstdc++.so.6'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const syms = [...new Set(nm.split('\n').map((l) => (l.split(' ')[2] ?? '').replace(/@.*/, '')).filter((s) => s.startsWith('_Z')))];
    const ref = execFileSync('c++filt', { input: syms.join('\n'), encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
    let same = 0;
    let unchanged = 0;
    const wrong: string[] = [];
    syms.forEach((s, i) => {
      const d = demangle(s);
      if (d === ref[i]) same++;
      else if (d === s) unchanged++;
      else wrong.push(`${s}: ${d} != ${ref[i]}`);
    });
    expect(wrong).toEqual([]);
    expect(same / syms.length).toBeGreaterThan(0.97);
    expect(unchanged).toBeLessThan(syms.length * 0.03);
  });
});
