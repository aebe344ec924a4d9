import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprintSha256,
  formatKnownHostsLine,
  hostsFieldMatches,
  knownKeyTypes,
  parseKnownHosts,
  removeHostFromText,
} from '../known-hosts';

// A real ed25519 public key (ssh-keygen) and its hashed known_hosts line (ssh-keygen -H).
const KEY_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAII85UIilmwhYl0iYiWjwJ7hypPk67EyIRXoXzesGi5WT';
const KEY = Buffer.from(KEY_B64, 'base64');
const FINGERPRINT = 'SHA256:pR0BgKvhHDMMlBWc82RH1jOiI4zXlOx+cYdwFhG+S9Y';
const HASHED = `|1|W3cwotPdmnrI6u7szHOQ/LlgHHA=|gYQYlGyOHN0S+DQF2lE7fxS4HMQ= ssh-ed25519 ${KEY_B64}`;
// Another ed25519 key: same type, different bytes.
const OTHER = Buffer.from(KEY);
OTHER[OTHER.length - 1] = (OTHER[OTHER.length - 1] ?? 0) ^ 1;
const OTHER_B64 = OTHER.toString('base64');

const load = (text: string) => [{ file: 'kh', parsed: parseKnownHosts(text) }];

describe('known_hosts', () => {
  it('computes fingerprints like ssh-keygen -lf', () => {
    expect(fingerprintSha256(KEY)).toBe(FINGERPRINT);
  });

  it('matches hashed entries written by ssh-keygen -H ([host]:port)', () => {
    expect(hostsFieldMatches(HASHED.split(' ')[0] ?? '', '[10.0.0.5]:2222')).toBe(true);
    expect(hostsFieldMatches(HASHED.split(' ')[0] ?? '', '10.0.0.5')).toBe(false);
    expect(checkHostKey(load(HASHED), '10.0.0.5', 2222, KEY).status).toBe('known');
    expect(checkHostKey(load(HASHED), '10.0.0.5', 22, KEY).status).toBe('unknown');
  });

  it('plain, bracketed, wildcard and negated patterns', () => {
    const text = [
      `# comment`,
      `alpha,10.1.1.1 ssh-ed25519 ${KEY_B64} comment words`,
      `[beta]:2200 ssh-ed25519 ${KEY_B64}`,
      `*.example.com,!bad.example.com ssh-ed25519 ${KEY_B64}`,
    ].join('\n');
    expect(checkHostKey(load(text), 'alpha', 22, KEY).status).toBe('known');
    expect(checkHostKey(load(text), '10.1.1.1', 0, KEY).status).toBe('known');
    expect(checkHostKey(load(text), 'beta', 2200, KEY).status).toBe('known');
    expect(checkHostKey(load(text), 'beta', 22, KEY).status).toBe('unknown');
    expect(checkHostKey(load(text), 'web.example.com', 22, KEY).status).toBe('known');
    expect(checkHostKey(load(text), 'bad.example.com', 22, KEY).status).toBe('unknown');
  });

  it('a different key for a known host is "changed"', () => {
    const v = checkHostKey(load(`alpha ssh-ed25519 ${KEY_B64}`), 'alpha', 22, OTHER);
    expect(v.status).toBe('changed');
  });

  it('markers: @revoked refuses, @cert-authority is not a host key', () => {
    expect(checkHostKey(load(`@revoked * ssh-ed25519 ${KEY_B64}\nalpha ssh-ed25519 ${KEY_B64}`), 'alpha', 22, KEY).status).toBe('revoked');
    const ca = parseKnownHosts(`@cert-authority *.corp ssh-ed25519 ${KEY_B64}`);
    expect(ca.lines[0]?.marker).toBe('@cert-authority');
    expect(ca.lines[0]?.hosts).toBe('*.corp');
    expect(checkHostKey([{ file: 'x', parsed: ca }], 'a.corp', 22, KEY).status).toBe('unknown');
    expect(parseKnownHosts('@bogus host ssh-ed25519 AAAA').problems).toHaveLength(1);
  });

  it('rejects lines whose key blob does not match the type', () => {
    const r = parseKnownHosts(`alpha ssh-rsa ${KEY_B64}\nbeta ssh-ed25519 not*base64`);
    expect(r.lines).toHaveLength(0);
    expect(r.problems).toHaveLength(2);
  });

  it('formats and removes entries (also hashed)', () => {
    expect(formatKnownHostsLine('127.0.0.1', 2022, KEY)).toBe(`[127.0.0.1]:2022 ssh-ed25519 ${KEY_B64}`);
    const text = `${HASHED}\nalpha ssh-ed25519 ${OTHER_B64}\n[10.0.0.5]:2222 ssh-ed25519 ${OTHER_B64}\n`;
    const r = removeHostFromText(text, '10.0.0.5', 2222);
    expect(r.removed).toBe(2);
    expect(r.text).toBe(`alpha ssh-ed25519 ${OTHER_B64}\n`);
    expect(knownKeyTypes(load(text), 'alpha', 22)).toEqual(['ssh-ed25519']);
  });
});

describe('no surprise side effects', () => {
  it("adding a key leaves an existing directory's mode alone, and makes a missing one 0700", async () => {
    const { mkdtemp, mkdir, chmod, stat, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { KnownHostsStore } = await import('../known-hosts-store');
    const { ensurePrivateDir } = await import('../paths');
    const root = await mkdtemp(join(tmpdir(), 'emberscope-kh-mode-'));
    try {
      const userDir = join(root, 'mine');
      await mkdir(userDir);
      await chmod(userDir, 0o755);
      const key = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]);
      await new KnownHostsStore(join(userDir, 'known_hosts'), []).add('h.example', 22, key);
      expect((await stat(userDir)).mode & 0o777).toBe(0o755);
      expect((await stat(join(userDir, 'known_hosts'))).mode & 0o777).toBe(0o600);
      await new KnownHostsStore(join(root, 'new', 'deeper', 'known_hosts'), []).add('h.example', 22, key);
      expect((await stat(join(root, 'new'))).mode & 0o777).toBe(0o700);
      expect((await stat(join(root, 'new', 'deeper'))).mode & 0o777).toBe(0o700);
      expect((await stat(root)).mode & 0o777).toBe(0o700); // mkdtemp's, untouched
      expect(await ensurePrivateDir(userDir)).toEqual({ created: false, mode: 0o755 });
      await expect(ensurePrivateDir(join(userDir, 'known_hosts'))).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
