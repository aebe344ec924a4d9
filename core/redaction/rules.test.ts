import { describe, expect, it } from 'vitest';
import { EmberError } from '../errors';
import { hmacSha256, bytesToHex, hexToBytes, utf8ToBytes, maskedName, keyFromHex, randomRedactionKey, sha256Hex } from './hash';
import { shortenPackages } from './packages';
import { basename, stripEmbeddedPaths, stripPathField } from './paths';
import { compileMatcher, compileUserPattern } from './patterns';

function optionsError(fn: () => unknown): EmberError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EmberError);
    expect((e as EmberError).code).toBe('BAD_OPTIONS');
    return e as EmberError;
  }
  throw new Error('expected an EmberError');
}

describe('rule 1: paths', () => {
  it.each([
    ['/home/alice/src/auth/token.go', 'token.go'],
    ['/root/go/pkg/mod/github.com/acme/auth@v1.2.3/server.go', 'server.go'],
    ['/Users/bob/build/app/main.swift', 'main.swift'],
    ['/build/reproducible-path/openssl-3.0/crypto/sha/sha256.c', 'sha256.c'],
    ['C:\\Users\\bob\\src\\acme\\auth\\token.cpp', 'token.cpp'],
    ['\\\\buildhost\\share\\out\\app.pdb', 'app.pdb'],
    ['src/auth/token.go', 'token.go'],
    ['[vdso]', '[vdso]'],
    ['[kernel.kallsyms]', '[kernel.kallsyms]'],
    ['', ''],
  ])('keeps the base name of the path field %s', (input, expected) => {
    expect(stripPathField(input)).toBe(expected);
  });

  it.each([
    ['LazyCompile:*verifyToken /home/x/app.js:12', 'LazyCompile:*verifyToken app.js:12'],
    ['LazyCompile:~render file:///home/x/web/render.js:3:7', 'LazyCompile:~render render.js:3:7'],
    ['Interpreted:handler C:\\Users\\bob\\app\\index.js:9', 'Interpreted:handler index.js:9'],
    ['/root/go/pkg/mod/github.com/acme/auth@v1.2.3/server.go:88', 'server.go:88'],
    ['/home/alice/bin/authsvc+0x1a2b', 'authsvc+0x1a2b'],
    ['[unknown] (in /usr/lib/libfoo.so)', '[unknown] (in libfoo.so)'],
    ['LazyCompile:*foo /home/alice smith/my app/app.js:1', 'LazyCompile:*foo app.js:1'],
    ['Function:bar C:\\Program Files\\Acme Corp\\web\\index.js:4', 'Function:bar index.js:4'],
    // Names that merely contain slashes are not paths.
    ['github.com/acme/auth.(*Server).VerifyToken', 'github.com/acme/auth.(*Server).VerifyToken'],
    ['kworker/0:1', 'kworker/0:1'],
    ['operator/(Big const&, Big const&)', 'operator/(Big const&, Big const&)'],
    ['acme::auth::Session::check(int)', 'acme::auth::Session::check(int)'],
  ])('strips directories embedded in the name %s', (input, expected) => {
    expect(stripEmbeddedPaths(input)).toBe(expected);
  });

  it('basename handles trailing separators', () => {
    expect(basename('/opt/app/')).toBe('app');
    expect(basename('plain')).toBe('plain');
  });
});

describe('rule 2: package paths', () => {
  it.each([
    ['Go method', 'github.com/acme/auth.(*Server).VerifyToken', 'auth.(*Server).VerifyToken'],
    ['Go function', 'github.com/acme/auth/internal/jwt.Parse', 'jwt.Parse'],
    ['Go closure', 'github.com/acme/auth.(*Server).Start.func1', 'auth.(*Server).Start.func1'],
    ['Go std', 'crypto/tls.(*Conn).Read', 'tls.(*Conn).Read'],
    ['Go major version', 'github.com/acme/auth/v2.(*Server).Verify', 'auth/v2.(*Server).Verify'],
    ['Go generic', 'github.com/acme/cache.Get[go.shape.string]', 'cache.Get[go.shape.string]'],
    ['Go runtime', 'runtime.mallocgc', 'runtime.mallocgc'],
    ['Java', 'com.acme.auth.TokenService.verify', 'auth.TokenService.verify'],
    ['Java inner class', 'com.acme.auth.TokenService$Cache.get', 'auth.TokenService$Cache.get'],
    ['JVM perf-map', 'Lcom/acme/auth/TokenService;::verify', 'TokenService;::verify'],
    ['C++', 'acme::auth::Session::check(int)', 'auth::Session::check(int)'],
    ['C++ template', 'std::vector<acme::auth::Key, std::allocator<acme::auth::Key> >::push_back(acme::auth::Key const&)', 'std::vector<auth::Key, std::allocator<auth::Key> >::push_back(auth::Key const&)'],
    ['C++ destructor', 'acme::net::Socket::~Socket()', 'net::Socket::~Socket()'],
    ['Rust legacy', 'acme_auth::token::verify::h1234abcd', 'token::verify'],
    ['Rust full hash', 'acme_auth::token::Verifier::verify::h0123456789abcdef', 'token::Verifier::verify'],
    ['Rust impl', '<acme_auth::token::Token as core::fmt::Debug>::fmt', '<token::Token as fmt::Debug>::fmt'],
    ['C', 'sha256_block_data_order', 'sha256_block_data_order'],
    ['JIT', 'LazyCompile:*verifyToken app.js:12', 'LazyCompile:*verifyToken app.js:12'],
  ])('%s: %s', (_lang, input, expected) => {
    expect(shortenPackages(input)).toBe(expected);
  });
});

describe('rule 3: patterns', () => {
  const defaults = compileMatcher({ useDefaults: true, userPatterns: [] });

  it.each([
    'github.com/acme/auth.(*Server).VerifyToken',
    'acme::crypto::Aes::encrypt',
    'com.acme.PaymentService.charge',
    'acme_auth::token::verify',
    'LazyCompile:*checkPassword app.js:1',
    'EVP_DecryptUpdate',
    'SessionManager::get',
  ])('the default set matches %s', (name) => {
    expect(defaults.test(name)).toBe(true);
  });

  it.each(['main', 'runtime.mallocgc', 'memcpy', 'std::vector<int>::push_back'])('the default set leaves %s', (name) => {
    expect(defaults.test(name)).toBe(false);
  });

  it('adds user patterns, case-insensitively', () => {
    const m = compileMatcher({ useDefaults: false, userPatterns: ['^acme\\.internal\\.', 'billingv\\d'] });
    expect(m.test('ACME.internal.Foo')).toBe(true);
    expect(m.test('BillingV2')).toBe(true);
    expect(m.test('github.com/acme/auth.F')).toBe(false);
  });

  it('explains an invalid pattern', () => {
    expect(optionsError(() => compileUserPattern('foo(', 2)).message).toMatch(/pattern 3 \("foo\("\) is not a valid regular expression/);
  });

  it.each(['(a+)+$', '(x*)*y', '((ab)+c)*', '(a{2,})+'])('refuses the catastrophic shape %s', (p) => {
    expect(optionsError(() => compileUserPattern(p)).message).toMatch(/exponential/);
  });

  it('refuses backreferences, empty and over-long patterns', () => {
    expect(optionsError(() => compileUserPattern('(a)\\1')).message).toMatch(/backreference/);
    expect(optionsError(() => compileUserPattern('')).message).toMatch(/empty/);
    expect(optionsError(() => compileUserPattern('a'.repeat(300))).message).toMatch(/longer/);
  });

  it.each(['(foo|bar)+', 'token[s]*', '\\(a+\\)+', '[(a+)+]', 'a+b+c+'])('accepts the harmless shape %s', (p) => {
    expect(compileUserPattern(p)).toBeInstanceOf(RegExp);
  });
});

describe('keyed hash', () => {
  it('is HMAC-SHA-256 (RFC 4231 test cases 1 and 2)', () => {
    const k1 = new Uint8Array(20).fill(0x0b);
    expect(bytesToHex(hmacSha256(k1, utf8ToBytes('Hi There')))).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(bytesToHex(hmacSha256(utf8ToBytes('Jefe'), utf8ToBytes('what do ya want for nothing?')))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(sha256Hex(utf8ToBytes('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('masks as domain:8 hex digits, depending on the key', () => {
    const a = keyFromHex('00112233445566778899aabbccddeeff');
    const b = keyFromHex('ffeeddccbbaa99887766554433221100');
    expect(maskedName(a, 'fn', 'VerifyToken')).toMatch(/^fn:[0-9a-f]{8}$/);
    expect(maskedName(a, 'fn', 'VerifyToken')).toBe(maskedName(a, 'fn', 'VerifyToken'));
    expect(maskedName(a, 'fn', 'VerifyToken')).not.toBe(maskedName(b, 'fn', 'VerifyToken'));
    expect(maskedName(a, 'fn', 'x').slice(3)).not.toBe(maskedName(a, 'file', 'x').slice(5));
    expect(hexToBytes('00ff')).toEqual(new Uint8Array([0, 255]));
  });

  it('makes random 32-byte keys that differ', () => {
    const a = randomRedactionKey();
    expect(a).toHaveLength(32);
    expect(bytesToHex(a)).not.toBe(bytesToHex(randomRedactionKey()));
  });

  it('refuses short or malformed keys', () => {
    expect(optionsError(() => keyFromHex('0011')).message).toMatch(/16 random bytes/);
    expect(optionsError(() => keyFromHex('zz')).message).toMatch(/hex/);
  });
});
