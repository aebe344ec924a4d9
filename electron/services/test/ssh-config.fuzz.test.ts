// Fuzz: the ssh_config parser reads the user's own file (and what it includes). Any text must
// parse without throwing (problems are reported, not thrown) into values the SSH layer can use:
// ports in range, jump hosts well-formed, the first value of a host block winning.
// Settings (fixed seed in CI, `npm run fuzz` for a long run) come from test/fuzz.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams, fuzzTimeout } from '../../../test/fuzz';
import { listConfigHosts, matchPattern, parseProxyJump, parseSshConfig, resolveHost, type ConfigFs, type ResolvedHost } from '../ssh-config';

const HOME = '/home/u';
const opts = { home: HOME, localUser: 'me' };
function memFs(files: Record<string, string>): ConfigFs {
  return {
    readFile: (p) => files[p],
    glob: (pattern) => {
      if (!/[*?]/.test(pattern)) return files[pattern] !== undefined ? [pattern] : [];
      const dir = pattern.slice(0, pattern.lastIndexOf('/') + 1);
      const base = pattern.slice(dir.length);
      return Object.keys(files)
        .filter((f) => f.startsWith(dir) && !f.slice(dir.length).includes('/') && matchPattern(f.slice(dir.length), base, false))
        .sort();
    },
  };
}

function expectUsable(r: ResolvedHost): void {
  expect(Number.isInteger(r.port) && r.port >= 0 && r.port <= 65535).toBe(true);
  expect(typeof r.hostName).toBe('string');
  expect(typeof r.user).toBe('string');
  for (const j of r.proxyJump) {
    expect(j.host.length).toBeGreaterThan(0);
    expect(Number.isInteger(j.port) && j.port >= 0 && j.port <= 65535).toBe(true);
  }
  for (const f of r.identityFiles) expect(typeof f).toBe('string');
  expect(Number.isFinite(r.connectTimeoutSeconds) && r.connectTimeoutSeconds >= 0).toBe(true);
}

const token = fc.constantFrom('Host', 'HostName', 'User', 'Port', 'IdentityFile', 'ProxyJump', 'Include', 'Match', 'IdentitiesOnly', 'ConnectTimeout', 'UserKnownHostsFile', '*', '?', '!', '"', '=', ' ', '\t', '\n', '\r\n', '%h', '%', '~', '#', ',', '@', ':', '[', ']', 'ssh://', '65536', '-1', '0x16', '~/.ssh/x', '/home/u/.ssh/x');
const text = fc.array(fc.oneof(token, fc.string({ maxLength: 10 })), { maxLength: 60 }).map((a) => a.join(''));

describe('ssh_config parser (fuzz)', () => {
  it('fuzz: any text (and included files) parses without throwing into usable values', () => {
    fc.assert(
      fc.property(text, text, fc.string({ maxLength: 20 }), (t, included, alias) => {
        const cfg = parseSshConfig(t, { fs: memFs({ '/home/u/.ssh/x': included, '/home/u/.ssh/conf.d/a': t }), home: HOME });
        for (const p of cfg.problems) expect(typeof p).toBe('string');
        expectUsable(resolveHost(cfg, alias, opts));
        for (const h of listConfigHosts(cfg)) expect(typeof h).toBe('string');
      }),
      fuzzParams('ssh-config-text', 400),
    );
  }, fuzzTimeout());

  it('fuzz: the first value for a host wins over anything that follows', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(name, name, fc.integer({ min: 1, max: 65535 }), text, (alias, hostName, port, junk) => {
        const cfg = parseSshConfig(`Host ${alias}\n  HostName ${hostName}\n  Port ${port}\n${junk}`, { fs: memFs({}), home: HOME });
        const r = resolveHost(cfg, alias, opts);
        expect(r.hostName).toBe(hostName);
        expect(r.port).toBe(port);
      }),
      fuzzParams('ssh-config-first-wins', 300),
    );
  }, fuzzTimeout());

  it('fuzz: ProxyJump values parse to well-formed hops or are refused as a whole', () => {
    const hop = fc.oneof(fc.string({ maxLength: 12 }), fc.tuple(fc.stringMatching(/^[a-z]{0,4}$/), fc.stringMatching(/^[a-z0-9.:[\]-]{0,12}$/), fc.integer({ min: -1, max: 70000 })).map(([u, h, p]) => `${u ? `${u}@` : ''}${h}:${p}`));
    fc.assert(
      fc.property(fc.array(hop, { maxLength: 4 }), (hops) => {
        const r = parseProxyJump(hops.join(','));
        if (r === undefined) return;
        for (const j of r) {
          expect(j.host.length).toBeGreaterThan(0);
          expect(Number.isInteger(j.port) && j.port >= 0 && j.port <= 65535).toBe(true);
        }
      }),
      fuzzParams('ssh-config-proxyjump', 500),
    );
  }, fuzzTimeout());
});
