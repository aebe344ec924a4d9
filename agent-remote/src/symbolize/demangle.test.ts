import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_INPUT, MAX_OUTPUT, demangle } from './demangle';
import { cxxfilt, haveCxxfilt } from './demangle-reference';
import { KNOWN_DIFFERENCES } from './testdata/cxxfilt-known-differences';

const here = dirname(fileURLToPath(import.meta.url));

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
    // rustfilt (rustc-demangle's own test) prints `FnBox<…>`; the old parser printed `FnBox::<…>`.
    ['_RINbNbCskIICzLVDPPb_5alloc5alloc8box_freeDINbNiB4_5boxed5FnBoxuEp6OutputuEL_ECs1iopQbuBiw2_3std', 'alloc::alloc::box_free::<dyn alloc::boxed::FnBox<(), Output = ()>>'],
    ['main', 'main'],
    ['_Zgarbage', '_Zgarbage'],
    ['_ZN3foo', '_ZN3foo'],
  ])('%s', (mangled, expected) => {
    expect(demangle(mangled)).toBe(expected);
  });

  // C++ cases c++filt 2.40 prints so, that the old parser got wrong (from node's symbols).
  it.each([
    // a pack expansion, with reference collapsing (T = unsigned int&: T&& is unsigned int&)
    ['_ZN4node7FPrintFIJRlRmEEEvP8_IO_FILEPKcDpOT_', 'void node::FPrintF<long&, unsigned long&>(_IO_FILE*, char const*, long&, unsigned long&)'],
    ['_ZN2v88internal8compiler12PipelineImpl3RunINS1_18SimplifyLoopsPhaseEJEEEDaDpOT0_', 'auto v8::internal::compiler::PipelineImpl::Run<v8::internal::compiler::SimplifyLoopsPhase>()'],
    // an empty pack leaves no ", " behind
    ['_ZN1AIiJEE1fEv', 'A<int>::f()'],
    // const of a const template argument; pointer to array
    ['_ZN2v88internal15SearchStringRawIKhS2_EElPNS0_7IsolateEPKT_iPKT0_ii', 'long v8::internal::SearchStringRaw<unsigned char const, unsigned char const>(v8::internal::Isolate*, unsigned char const*, int, unsigned char const*, int, int)'],
    ['_ZL12getStatePropPA256_KiPai.isra.0', 'getStateProp(int const (*) [256], signed char*, int) [clone .isra.0]'],
    // the function of a local name without its return type
    ['_ZZN4node11SPrintFImplIRmJRhEEENSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEPKcOT_DpOT0_E20error_and_abort_args', 'node::SPrintFImpl<unsigned long&, unsigned char&>(char const*, unsigned long&, unsigned char&)::error_and_abort_args'],
    // what the parser gives up on goes to the library (expressions in template arguments), its
    // style brought to c++filt's, except the return type it does not print (c++filt: `void …`)
    ['_ZN12v8_inspector9V8Console4callIXadL_ZNS0_10createTaskERKN2v820FunctionCallbackInfoINS2_5ValueEEEEEEEvS7_', 'v8_inspector::V8Console::call<&v8_inspector::V8Console::createTask>(v8::FunctionCallbackInfo<v8::Value> const&)'],
    ['_ZN2v88internal24SharedMacroAssemblerBase9AvxHelperINS0_11XMMRegisterES3_JEE4emitIXadL_ZNS0_9Assembler7vpminsbES3_S3_S3_EEXadL_ZNS6_6pminsbES3_S3_EEEEvS3_S3_', 'v8::internal::SharedMacroAssemblerBase::AvxHelper<v8::internal::XMMRegister, v8::internal::XMMRegister>::emit<&v8::internal::Assembler::vpminsb, &v8::internal::Assembler::pminsb>(v8::internal::XMMRegister, v8::internal::XMMRegister)'],
    // a reference to a const function pointer, in a pack, collapsed
    ['_ZNSt6vectorIPFvPN2v87IsolateEESaIS4_EE17_M_realloc_insertIJRKS4_EEEvN9__gnu_cxx17__normal_iteratorIPS4_S6_EEDpOT_', 'void std::vector<void (*)(v8::Isolate*), std::allocator<void (*)(v8::Isolate*)> >::_M_realloc_insert<void (* const&)(v8::Isolate*)>(__gnu_cxx::__normal_iterator<void (**)(v8::Isolate*), std::vector<void (*)(v8::Isolate*), std::allocator<void (*)(v8::Isolate*)> > >, void (* const&)(v8::Isolate*))'],
    ['_ZN4node10JSONWriter13json_keyvalueIA5_cmEEvRKT_RKT0_', 'void node::JSONWriter::json_keyvalue<char [5], unsigned long>(char const (&) [5], unsigned long const&)'],
    ['_ZL12subQuickSortPciiiPFiPKvS1_S1_ES1_PvS4_', 'subQuickSort(char*, int, int, int, int (*)(void const*, void const*, void const*), void const*, void*, void*)'],
  ])('C++ %s', (mangled, expected) => {
    expect(demangle(mangled)).toBe(expected);
  });

  // Expected values from rustc-demangle's own tests (src/v0.rs, src/legacy.rs), which is what
  // rustfilt prints; "derived" ones add the hash rustc always emits to a hashless test symbol.
  it.each([
    ['_RNqCs4fqI2P2rA04_11utf8_identsu30____7hkackfecea1cbdathfdh9hlq6y', 'utf8_idents::საჭმელად_გემრიელი_სადილი'],
    ['_RNCINkXs25_NgCsbmNqQUJIY6D_4core5sliceINyB9_4IterhENuNgNoBb_4iter8iterator8Iterator9rpositionNCNgNpB9_6memchr7memrchrs_0E0Bb_', '<core::slice::Iter<u8> as core::iter::iterator::Iterator>::rposition::<core::slice::memchr::memrchr::{closure#1}>::{closure#0}'],
    ['_RMC0INtC8arrayvec8ArrayVechKj7b_E', '<arrayvec::ArrayVec<u8, 123>>'],
    ['_RIC0Kc2202_E', "::<'∂'>"],
    ['_RIC0Ke616263_E', '::<{*"abc"}>'],
    ['_RIC0KVNvINtNtC4core6option6OptionjE4SomeTj0_EE', '::<{core::option::Option::<usize>::Some(0)}>'],
    ['_RC3foo.llvm.9D1C9369', 'foo'],
    ['_RNvC9backtrace3foo.llvm.A5310EB9', 'backtrace::foo'],
    ['_RNvNtNtNtNtCs92dm3009vxr_4rand4rngs7adapter9reseeding4fork23FORK_HANDLER_REGISTERED.0.0', 'rand::rngs::adapter::reseeding::fork::FORK_HANDLER_REGISTERED.0.0'],
    ['_ZN3foo17h05af221e174051e9E', 'foo'],
    ['_ZN4test1a2bcE', 'test::a::bc'],
    ['_ZN13test$u20$test4foobE', 'test test::foob'],
    ['_ZN12test$BP$test4foobE', 'test*test::foob'],
    ['_ZN35Bar$LT$$u5b$u32$u3b$$u20$4$u5d$$GT$E', 'Bar<[u32; 4]>'],
    ['_ZN71_$LT$Test$u20$$u2b$$u20$$u27$static$u20$as$u20$foo..Bar$LT$Test$GT$$GT$3barE', "<Test + 'static as foo::Bar<Test>>::bar"],
    ['_ZN71_$LT$Test$u20$$u2b$$u20$$u27$static$u20$as$u20$foo..Bar$LT$Test$GT$$GT$3bar17h05af221e174051e9E', "<Test + 'static as foo::Bar<Test>>::bar"], // derived
  ])('Rust %s', (mangled, expected) => {
    expect(demangle(mangled)).toBe(expected);
  });

  it.each([
    '_Z', '_R', '_ZN4test', '_RB_', '_RNvC', '_Z3foov_junk', '_ZN3fooE_', '_RINvC3foo', '__Z3foov', '_GLOBAL__sub_I_x.cc', 'foo', '', '?foo@@YAXXZ',
  ])('leaves %j unchanged (no demangler accepts it)', (junk) => {
    expect(demangle(junk)).toBe(junk);
  });

  it('is bounded: a long symbol, or one whose demangling explodes, stays mangled', () => {
    const long = '_Z' + 'P'.repeat(MAX_INPUT) + 'v';
    expect(demangle(long)).toBe(long);
    // Each back-reference doubles the tuple: 2^14 copies of `_` (rustc-demangle's own
    // "exponential explosion" test, deeper).
    const levels = 14;
    let bomb = '_RMC0' + 'T'.repeat(levels) + 'p';
    for (let k = levels + 2; k >= 3; k--) bomb += `B${k.toString(36)}_E`;
    expect(bomb.length).toBeLessThan(MAX_INPUT);
    expect(demangle(bomb)).toBe(bomb);
    const small = '_RMC0TTTTTTpB8_EB7_EB6_EB5_EB4_EB3_E';
    expect(demangle(small)).toMatch(/^<\(\(\(\(\(\(_, _\)/);
    expect(demangle(small).length).toBeLessThan(MAX_OUTPUT);
  });

  it.runIf(haveCxxfilt())('agrees with c++filt on a sample of node\'s C++ symbols, except the listed differences', () => {
    const syms = readFileSync(join(here, 'testdata', 'node-cxx-sample.txt'), 'utf8').split('\n').filter(Boolean);
    const ref = cxxfilt(syms);
    const differing = new Map<string, string>();
    syms.forEach((s, i) => {
      const got = demangle(s);
      if (got !== ref[i]) differing.set(s, `${got}\n  c++filt: ${ref[i]}`);
    });
    const unexpected = [...differing].filter(([s]) => !KNOWN_DIFFERENCES.has(s)).map(([s, d]) => `${s}\n  agent:   ${d}`);
    const nowFixed = [...KNOWN_DIFFERENCES.keys()].filter((s) => !differing.has(s));
    expect(unexpected).toEqual([]);
    expect(nowFixed).toEqual([]); // a fix: remove it from the list
    expect(differing.size).toBe(KNOWN_DIFFERENCES.size);
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
