import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzParams } from '../../test/fuzz';
import { EmberError } from '../errors';
import { ProfileBuilder } from '../profile/builder';
import { makeFrame, NO_LOST, type CaptureDelta, type Frame, type Profile } from '../profile/types';
import { encodePprof } from '../pprof/encode';
import { decodePprof } from '../pprof/decode';
import { toFolded } from '../folded/folded';
import { pathOf } from '../testing/fixtures';
import { sha256Hex, utf8ToBytes } from './hash';
import { Redactor, redactProfile } from './redactor';

const KEY = new Uint8Array(32).map((_, i) => i * 7 + 1);
const OTHER_KEY = new Uint8Array(32).map((_, i) => 255 - i);

const FRAMES: Record<string, Frame> = {
  go: makeFrame('github.com/acme/auth.(*Server).VerifyToken', { module: '/srv/acme/bin/authsvc', buildId: 'aa11', file: '/root/go/pkg/mod/github.com/acme/auth@v1.2.3/server.go', line: 88, address: '0x4a1000' }),
  goPlain: makeFrame('github.com/acme/store/db.(*Pool).Query', { module: '/srv/acme/bin/authsvc', buildId: 'aa11', file: '/home/ci/work/store/db/pool.go', line: 12, address: '0x4a2000' }),
  c: makeFrame('compress_block', { module: '/usr/lib/x86_64-linux-gnu/libz.so.1', file: '/build/zlib-1.2/deflate.c', line: 400, address: '0x7f0000001000' }),
  cpp: makeFrame('acme::auth::Session::check(int)', { module: 'C:\\Users\\bob\\out\\acme.dll', file: 'C:\\Users\\bob\\src\\session.cpp', line: 5, address: '0x140001000' }),
  rust: makeFrame('acme_auth::token::verify::h1234abcd5678ef90', { module: '/home/dev/target/release/gateway', address: '0x55000' }),
  java: makeFrame('com.acme.auth.TokenService.verify', { kind: 'jit', status: 'jit', module: '/tmp/perf-4242.map', address: '0x7f5500' }),
  jit: makeFrame('LazyCompile:*renderPage /home/x/web/app.js:12', { kind: 'jit', status: 'jit', module: '/tmp/perf-77.map', address: '0x3a00' }),
  k1: makeFrame('crypto_shash_update', { kind: 'kernel', address: '0xffffffff81200000' }),
  k2: makeFrame('do_syscall_64', { kind: 'kernel', address: '0xffffffff81000010' }),
  main: makeFrame('main', { module: '/srv/acme/bin/authsvc', buildId: 'aa11', address: '0x401000' }),
};

function deltaOf(stacks: readonly (readonly (keyof typeof FRAMES)[])[], comm = 'authsvc'): CaptureDelta {
  const names = Object.keys(FRAMES) as (keyof typeof FRAMES)[];
  return {
    newFrames: names.map((n, id) => ({ id, frame: FRAMES[n] as Frame })),
    newStacks: stacks.map((s, id) => ({ id, frames: s.map((n) => names.indexOf(n)) })),
    counts: stacks.map((_, stackId) => ({ stackId, comm, pid: 4242 + stackId, tid: 5000 + stackId, count: 10 + stackId })),
    stats: { samples: 0, lost: NO_LOST },
  };
}

const STACKS: (keyof typeof FRAMES)[][] = [
  ['go', 'main'],
  ['goPlain', 'go', 'main'],
  ['k2', 'k1', 'c', 'main'],
  ['cpp', 'main'],
  ['rust', 'main'],
  ['java', 'jit', 'main'],
];

function sample(): Profile {
  const b = new ProfileBuilder({ hz: 99, startTimeMs: 1_700_000_000_000, comments: ['captured on build-host /home/ci'] });
  b.apply(deltaOf(STACKS));
  return b.snapshot();
}

const names = (p: Profile): string[] => p.frames.map((f) => f.name);

describe('redactProfile presets', () => {
  it('none changes nothing and needs no key', () => {
    const p = sample();
    const r = redactProfile(p, { preset: 'none' });
    expect(r.profile).toBe(p);
    expect(r.applied).toEqual([]);
  });

  it('paths strips directories from names, files and mappings only', () => {
    const r = redactProfile(sample(), { preset: 'paths' });
    const byName = new Map(r.profile.frames.map((f) => [f.name, f]));
    expect(byName.get('github.com/acme/auth.(*Server).VerifyToken')).toMatchObject({ file: 'server.go', module: 'authsvc', buildId: 'aa11', line: 88 });
    expect(byName.get('acme::auth::Session::check(int)')).toMatchObject({ file: 'session.cpp', module: 'acme.dll' });
    expect(byName.get('LazyCompile:*renderPage app.js:12')).toMatchObject({ module: 'perf-77.map' });
    expect(r.applied).toEqual(['strip-paths']);
    expect(r.report.pathsStripped).toBe(8);
    expect(r.report.functionsMasked).toBe(0);
    expect(r.profile.meta.comments).toEqual(['redacted: strip-paths']);
    expect(r.report.commentsDropped).toBe(1);
  });

  it('standard shortens packages and masks sensitive names with a stable keyed hash', () => {
    const r = redactProfile(sample(), { preset: 'standard', key: KEY });
    const out = names(r.profile);
    expect(out).toContain('db.(*Pool).Query');
    expect(out).toContain('compress_block');
    expect(out).toContain('main');
    expect(out).toContain('LazyCompile:*renderPage app.js:12');
    const masked = out.filter((n) => /^fn:[0-9a-f]{8}$/.test(n));
    // go, cpp, rust, java, and the kernel crypto_shash_update
    expect(masked).toHaveLength(5);
    expect(r.report).toMatchObject({ functionsMasked: 5, packagesShortened: 5, modulesMasked: 1, kernelFramesHidden: 0 });
    // The executable "authsvc" matches "auth": its mapping and its process name are masked too.
    expect(r.profile.frames.find((f) => f.name === 'main')?.module).toMatch(/^lib:[0-9a-f]{8}$/);
    expect(new Set(r.profile.samples.map((s) => s.comm))).toEqual(new Set([expect.stringMatching(/^proc:[0-9a-f]{8}$/)]));
    expect(r.profile.samples.map((s) => s.pid)).toContain(4242);
    const again = redactProfile(sample(), { preset: 'standard', key: KEY });
    expect(names(again.profile)).toEqual(out);
    const otherKey = redactProfile(sample(), { preset: 'standard', key: OTHER_KEY });
    expect(names(otherKey.profile).filter((n) => n.startsWith('fn:'))).not.toEqual(masked);
  });

  it('strict hides kernel frames as one [kernel] frame and anonymizes processes', () => {
    const before = sample();
    const r = redactProfile(before, { preset: 'strict', key: KEY });
    const paths = r.profile.samples.map((s) => pathOf(r.profile, s.stack));
    expect(paths).toContain('main;compress_block;[kernel]');
    expect(r.report.kernelFramesHidden).toBe(2);
    // The perf map of a JIT frame names the pid: it goes with the pids.
    expect(r.profile.frames.filter((f) => f.kind === 'jit').map((f) => f.module)).toEqual(['', '']);
    expect(JSON.stringify(r.profile)).not.toMatch(/perf-\d+/);
    expect(r.profile.samples.map((s) => [s.pid, s.tid])).toEqual([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 6]]);
    expect(r.report.processesAnonymized).toBe(7);
    expect(r.report.threadsAnonymized).toBe(6);
    expect(r.profile.meta.sampleCount).toBe(before.meta.sampleCount);
  });

  it('all leaves only the structure', () => {
    const r = redactProfile(sample(), { preset: 'all', key: KEY });
    for (const f of r.profile.frames) {
      expect(f.name === '[kernel]' || /^fn:[0-9a-f]{8}$/.test(f.name)).toBe(true);
      expect(f.file).toBe('');
      expect(f.line).toBe(0);
      expect(f.address).toBe('');
      expect(f.buildId).toBe('');
      expect(f.module === '' || /^lib:[0-9a-f]{8}$/.test(f.module)).toBe(true);
    }
    expect(r.profile.stacks.length).toBe(6);
    expect(r.applied).toHaveLength(6);
  });

  it('merges frames and stacks that become equal', () => {
    const b = new ProfileBuilder();
    b.apply({
      newFrames: [
        { id: 0, frame: makeFrame('a.Run', { file: '/x/a.go' }) },
        { id: 1, frame: makeFrame('a.Run', { file: '/y/a.go' }) },
      ],
      newStacks: [{ id: 0, frames: [0] }, { id: 1, frames: [1] }],
      counts: [{ stackId: 0, comm: 'p', pid: 1, tid: 1, count: 2 }, { stackId: 1, comm: 'p', pid: 1, tid: 1, count: 3 }],
      stats: { samples: 5, lost: NO_LOST },
    });
    const r = redactProfile(b.snapshot(), { preset: 'paths' });
    expect(r.profile.frames).toHaveLength(1);
    expect(r.profile.samples).toEqual([{ stack: 0, comm: 'p', pid: 1, tid: 1, count: 5 }]);
  });

  it('user patterns match the original name, before shortening', () => {
    const r = redactProfile(sample(), { preset: 'standard', key: KEY, defaultPatterns: false, patterns: ['^github\\.com/acme/store/'] });
    expect(names(r.profile)).not.toContain('db.(*Pool).Query');
    expect(names(r.profile)).toContain('auth.(*Server).VerifyToken');
    expect(r.report.functionsMasked).toBe(1);
  });

  it('rejects bad options with BAD_OPTIONS', () => {
    for (const options of [{ preset: 'standard' as const }, { preset: 'bogus' as never, key: KEY }, { rules: ['nope' as never], key: KEY }, { preset: 'standard' as const, key: KEY, patterns: ['(a+)+'] }]) {
      try {
        redactProfile(sample(), options);
        throw new Error(`accepted ${JSON.stringify(options)}`);
      } catch (e) {
        expect(e).toBeInstanceOf(EmberError);
        expect((e as EmberError).code).toBe('BAD_OPTIONS');
      }
    }
  });

  it('is idempotent with the same key', () => {
    const once = redactProfile(sample(), { preset: 'all', key: KEY });
    const twice = redactProfile(once.profile, { preset: 'all', key: KEY });
    expect(twice.profile.frames).toEqual(once.profile.frames);
    expect(twice.report.functionsMasked).toBe(0);
  });
});

describe('user patterns', () => {
  it('mask what they match whatever the preset, since typing one asks for it', () => {
    for (const options of [{ preset: 'paths' as const }, { rules: ['strip-paths' as const] }, { preset: 'none' as const }]) {
      const r = redactProfile(sample(), { ...options, key: KEY, patterns: ['compress_'] });
      expect(r.applied).toContain('mask-sensitive');
      expect(names(r.profile).some((n) => n.includes('compress_block'))).toBe(false);
    }
  });
});

describe('Redactor.redactDelta (agent strict mode)', () => {
  it('gives the same profile as redacting the merged profile', () => {
    const redactor = new Redactor({ preset: 'strict', key: KEY });
    const b = new ProfileBuilder({ hz: 99, startTimeMs: 1_700_000_000_000 });
    const delta = deltaOf(STACKS);
    // Frames in one delta, stacks and counts in the next, as the agent streams them.
    b.apply(redactor.redactDelta({ ...delta, newStacks: [], counts: [] }));
    b.apply(redactor.redactDelta({ ...delta, newFrames: [] }));
    const viaDeltas = b.snapshot();
    const viaProfile = redactProfile(sample(), { preset: 'strict', key: KEY }).profile;
    const paths = (p: Profile) => p.samples.map((s) => [pathOf(p, s.stack), s.comm, s.pid, s.count]).sort();
    expect(paths(viaDeltas)).toEqual(paths(viaProfile));
    const text = JSON.stringify(viaDeltas);
    for (const word of ['auth', 'token', '/home', 'c:\\users', 'crypto_shash']) expect(text.toLowerCase()).not.toContain(word);
  });
});

// ---- property tests --------------------------------------------------------------------

const SENSITIVE = ['auth', 'token', 'secret', 'password', 'crypt', 'session', 'jwt', 'payment', 'iban'];
const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
const sensitiveWord = fc.tuple(word, fc.constantFrom(...SENSITIVE), word).map(([a, s, b]) => `${a}${s[0]?.toUpperCase()}${s.slice(1)}${b}`);
const anyWord = fc.oneof(word, sensitiveWord);
const goName = fc.tuple(fc.array(anyWord, { minLength: 1, maxLength: 3 }), anyWord, anyWord).map(([pkg, t, m]) => `github.com/${pkg.join('/')}.(*${t}).${m}`);
const cppName = fc.tuple(fc.array(anyWord, { minLength: 1, maxLength: 3 }), anyWord).map(([ns, f]) => `${ns.join('::')}::${f}(int)`);
const javaName = fc.tuple(fc.array(word, { minLength: 1, maxLength: 3 }), anyWord, anyWord).map(([pkg, c, m]) => `com.${pkg.join('.')}.${c.toUpperCase()}.${m}`);
const jitName = fc.tuple(anyWord, fc.array(anyWord, { minLength: 1, maxLength: 3 }), fc.constantFrom('/', ' ', '/my ')).map(([f, dirs, sep]) => `LazyCompile:*${f} /home/${dirs.join(sep)}/app.js:12`);
const name = fc.oneof(goName, cppName, javaName, jitName, anyWord);
const unixPath = fc.array(anyWord, { minLength: 1, maxLength: 4 }).map((d) => `/home/${d.join('/')}/file.c`);
const winPath = fc.array(anyWord, { minLength: 1, maxLength: 4 }).map((d) => `C:\\Users\\${d.join('\\')}\\file.cpp`);
const frameArb = fc.record({ name, file: fc.oneof(unixPath, winPath, fc.constant('')), module: fc.oneof(unixPath, winPath, fc.constant('')), kernel: fc.boolean() });
const profileArb = fc
  .record({ frames: fc.array(frameArb, { minLength: 1, maxLength: 12 }), comm: anyWord, stacks: fc.array(fc.array(fc.nat(11), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }) })
  .map(({ frames, comm, stacks }) => {
    const b = new ProfileBuilder({ hz: 99, comments: [`host ${comm}`] });
    b.apply({
      newFrames: frames.map((f, id) => ({ id, frame: makeFrame(f.name, { file: f.file, module: f.module, kind: f.kernel ? 'kernel' : 'user' }) })),
      newStacks: stacks.map((s, id) => ({ id, frames: s.map((i) => i % frames.length) })),
      counts: stacks.map((_, stackId) => ({ stackId, comm, pid: 100 + stackId, tid: 200 + stackId, count: 1 + stackId })),
      stats: { samples: 0, lost: NO_LOST },
    });
    return b.snapshot();
  });

function originalStrings(p: Profile): string[] {
  return [...p.frames.flatMap((f) => [f.name, f.file, f.module]), ...p.samples.map((s) => s.comm)].filter((s) => s !== '');
}

describe('redaction properties (fixed seed)', () => {
  it('masking is stable: the same name gives the same mask, in any profile', () => {
    fc.assert(
      fc.property(profileArb, profileArb, (a, b) => {
        const r = new Redactor({ preset: 'standard', key: KEY });
        const ra = redactProfile(a, { preset: 'standard', key: KEY }).profile;
        const rb = redactProfile(b, { preset: 'standard', key: KEY }).profile;
        for (const f of [...a.frames, ...b.frames]) expect(r.redactFrame(f).name).toBe(r.redactFrame({ ...f }).name);
        const maskOf = new Map<string, string>();
        for (const [orig, out] of [
          [a, ra],
          [b, rb],
        ] as const) {
          orig.frames.forEach((f) => {
            const redactedName = r.redactFrame(f).name;
            expect(out.frames.some((g) => g.name === redactedName)).toBe(true);
            const seen = maskOf.get(f.name);
            if (seen !== undefined) expect(redactedName).toBe(seen);
            maskOf.set(f.name, redactedName);
          });
        }
      }),
      fuzzParams('redaction-stable-mask', 100),
    );
  });

  it('the keyed hash is not the plain hash of the name', () => {
    fc.assert(
      fc.property(sensitiveWord, (n) => {
        const masked = new Redactor({ preset: 'standard', key: KEY }).redactFrame(makeFrame(n)).name.slice(3);
        expect(masked).toMatch(/^[0-9a-f]{8}$/);
        for (const plain of [n, `fn\u0000${n}`, `fn:${n}`]) expect(sha256Hex(utf8ToBytes(plain)).slice(0, 8)).not.toBe(masked);
      }),
      fuzzParams('redaction-keyed-hash', 200),
    );
  });

  it('no original sensitive substring or build-host path survives in the decompressed bytes of a pprof export', () => {
    fc.assert(
      fc.property(profileArb, fc.constantFrom('standard' as const, 'strict' as const, 'all' as const), (p, preset) => {
        // Control: the unredacted export does contain the sensitive originals.
        const raw = Buffer.from(encodePprof(p)).toString('latin1').toLowerCase();
        for (const original of originalStrings(p)) expect(raw).toContain(original.toLowerCase());
        const r = redactProfile(p, { preset, key: KEY });
        const bytes = gunzipSync(gzipSync(encodePprof(r.profile)));
        const text = Buffer.from(bytes).toString('latin1').toLowerCase();
        for (const s of SENSITIVE) expect(text).not.toContain(s);
        for (const root of ['/home/', 'c:\\users', '\\users\\', '/root/']) expect(text).not.toContain(root);
        for (const original of originalStrings(p)) {
          if (SENSITIVE.some((s) => original.toLowerCase().includes(s))) expect(text).not.toContain(original.toLowerCase());
        }
        // The folded export carries no sensitive word either.
        const folded = toFolded(r.profile, { byProcess: true }).toLowerCase();
        for (const s of SENSITIVE) expect(folded).not.toContain(s);
        // And it still decodes, with the same number of samples.
        expect(decodePprof(bytes).meta.sampleCount).toBe(p.meta.sampleCount);
      }),
      fuzzParams('redaction-no-leak', 150),
    );
  });
});
