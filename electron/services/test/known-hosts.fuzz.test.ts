// Fuzz: the known_hosts parser reads the user's known_hosts files. Any text must parse without
// throwing, and whatever surrounds it, a key written for a host is "known", and another key
// for that host is "changed" (refused): random lines can never turn a changed key into a
// known or unknown one.
// Settings (fixed seed in CI, `npm run fuzz` for a long run) come from test/fuzz.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams, fuzzTimeout } from '../../../test/fuzz';
import { checkHostKey, formatKnownHostsLine, parseKnownHosts, removeHostFromText } from '../known-hosts';

const KEY_B64 = 'AAAAC3NzaC1lZDI1NTE5AAAAII85UIilmwhYl0iYiWjwJ7hypPk67EyIRXoXzesGi5WT';
const KEY = Buffer.from(KEY_B64, 'base64');
const OTHER = Buffer.from(KEY);
OTHER[OTHER.length - 1] = (OTHER[OTHER.length - 1] ?? 0) ^ 1;

const token = fc.constantFrom('@revoked', '@cert-authority', '@x', '|1|', '|1|W3cwotPdmnrI6u7szHOQ/LlgHHA=|', 'ssh-ed25519', 'ssh-rsa', KEY_B64, '*', '?', '!', ',', '[h]:22', '[', ']:', '#', ' ', '\t', '\n', '\r', '|', '=');
const line = fc.array(fc.oneof(token, fc.string({ maxLength: 20 })), { maxLength: 12 }).map((a) => a.join(''));
const host = fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,15}$/), fc.constantFrom('127.0.0.1', '::1', 'fe80::1'));
const port = fc.oneof(fc.constant(22), fc.integer({ min: 1, max: 65535 }));

describe('known_hosts parser (fuzz)', () => {
  it('fuzz: any text parses without throwing; every parsed line has a key and a verdict is one of four', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.string({ maxLength: 30 }), fc.integer({ min: 0, max: 65535 }), (rows, h, p) => {
        const parsed = parseKnownHosts(rows.join('\n'));
        for (const l of parsed.lines) {
          expect(l.key.length).toBeGreaterThan(0);
          expect(['', '@revoked', '@cert-authority']).toContain(l.marker);
        }
        for (const problem of parsed.problems) expect(typeof problem).toBe('string');
        const v = checkHostKey([{ file: 'f', parsed }], h, p, KEY);
        expect(['known', 'unknown', 'changed', 'revoked']).toContain(v.status);
        const removed = removeHostFromText(rows.join('\n'), h, p);
        expect(removed.removed).toBeGreaterThanOrEqual(0);
      }),
      fuzzParams('known-hosts-text', 400),
    );
  }, fuzzTimeout());

  it('fuzz: amid random lines, the written key is known and a different key is changed, never accepted', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), fc.array(line, { maxLength: 10 }), host, port, (before, after, h, p) => {
        const text = [...before, formatKnownHostsLine(h, p, KEY), ...after].join('\n');
        const files = [{ file: 'f', parsed: parseKnownHosts(text) }];
        // Random lines may revoke the key (@revoked) but never make it unknown.
        expect(['known', 'revoked']).toContain(checkHostKey(files, h, p, KEY).status);
        expect(['changed', 'revoked']).toContain(checkHostKey(files, h, p, OTHER).status);
        // Removing the host removes the line written for it.
        const left = removeHostFromText(text, h, p);
        expect(left.removed).toBeGreaterThanOrEqual(1);
        expect(checkHostKey([{ file: 'f', parsed: parseKnownHosts(left.text) }], h, p, KEY).status).not.toBe('known');
      }),
      fuzzParams('known-hosts-verdict', 400),
    );
  }, fuzzTimeout());
});
