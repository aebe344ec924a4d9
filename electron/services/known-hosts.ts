// OpenSSH known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): `[marker] patterns keytype key
// [comment]`. Patterns are comma-separated, may use `*`, `?`, `!negation`, `[host]:port` for
// non-default ports, or be hashed (`|1|base64 salt|base64 HMAC-SHA1(salt, name)`). Markers
// `@revoked` and `@cert-authority` are recognised: a revoked key is refused; CA lines are
// kept apart (Emberscope does not accept host certificates) and never mistaken for host keys.
// The parser never throws: bad lines are reported and skipped.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { matchPattern } from './ssh-config';

export type Marker = '' | '@revoked' | '@cert-authority';

export interface KnownHostLine {
  readonly line: number;
  readonly marker: Marker;
  /** The patterns field as written. */
  readonly hosts: string;
  readonly keyType: string;
  /** Base64 of the key blob as written. */
  readonly keyBase64: string;
  readonly key: Buffer;
}

export interface KnownHostsFile {
  readonly lines: readonly KnownHostLine[];
  readonly problems: readonly string[];
}

const MAX_LINE = 64 * 1024;

export function fingerprintSha256(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The host name as known_hosts writes it: `host`, or `[host]:port` for a non-default port. */
export function hostPatternFor(host: string, port: number): string {
  return port === 0 || port === 22 ? host : `[${host}]:${port}`;
}

/** Key type named inside an SSH key blob (its first string), '' if malformed. */
export function keyTypeOfBlob(blob: Uint8Array): string {
  if (blob.length < 4) return '';
  const len = ((blob[0] ?? 0) << 24) | ((blob[1] ?? 0) << 16) | ((blob[2] ?? 0) << 8) | (blob[3] ?? 0);
  if (len <= 0 || len > 64 || 4 + len > blob.length) return '';
  const type = Buffer.from(blob.subarray(4, 4 + len)).toString('latin1');
  return /^[a-z0-9@.-]+$/i.test(type) ? type : '';
}

export function parseKnownHosts(text: string, file = '<known_hosts>'): KnownHostsFile {
  const lines: KnownHostLine[] = [];
  const problems: string[] = [];
  const rows = text.split(/\r?\n/);
  for (let i = 0; i < rows.length; i++) {
    const raw = (rows[i] ?? '').trim();
    const lineNo = i + 1;
    if (raw === '' || raw.startsWith('#')) continue;
    if (raw.length > MAX_LINE) {
      problems.push(`${file}:${lineNo}: line too long`);
      continue;
    }
    const fields = raw.split(/[ \t]+/);
    let marker: Marker = '';
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift() ?? '';
      if (m !== '@revoked' && m !== '@cert-authority') {
        problems.push(`${file}:${lineNo}: unknown marker ${m.slice(0, 40)}`);
        continue;
      }
      marker = m;
    }
    const [hosts, keyType, keyBase64] = fields;
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined) {
      problems.push(`${file}:${lineNo}: expected patterns, key type and key`);
      continue;
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) {
      problems.push(`${file}:${lineNo}: the key is not base64`);
      continue;
    }
    const key = Buffer.from(keyBase64, 'base64');
    const blobType = keyTypeOfBlob(key);
    if (blobType === '' || blobType !== keyType) {
      problems.push(`${file}:${lineNo}: the key does not match its type ${keyType.slice(0, 40)}`);
      continue;
    }
    lines.push({ line: lineNo, marker, hosts, keyType, keyBase64, key });
  }
  return { lines, problems };
}

function hashedMatches(entry: string, name: string): boolean {
  // |1|salt|hash
  const parts = entry.split('|');
  if (parts.length !== 4 || parts[0] !== '' || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const expected = Buffer.from(parts[3] ?? '', 'base64');
  if (salt.length === 0 || expected.length !== 20) return false;
  const actual = createHmac('sha1', salt).update(name).digest();
  return timingSafeEqual(actual, expected);
}

/** Whether the patterns field of a line covers `name` (`host` or `[host]:port`). */
export function hostsFieldMatches(hostsField: string, name: string): boolean {
  let matched = false;
  for (const entry of hostsField.split(',')) {
    if (entry === '') continue;
    if (entry.startsWith('|')) {
      if (hashedMatches(entry, name)) matched = true;
      continue;
    }
    if (entry.startsWith('!')) {
      if (matchPattern(name, entry.slice(1))) return false;
      continue;
    }
    if (matchPattern(name, entry)) matched = true;
  }
  return matched;
}

export type HostKeyVerdict =
  | { readonly status: 'known'; readonly line: KnownHostLine; readonly file: string }
  | { readonly status: 'unknown' }
  | { readonly status: 'changed'; readonly line: KnownHostLine; readonly file: string }
  | { readonly status: 'revoked'; readonly line: KnownHostLine; readonly file: string };

export interface LoadedKnownHosts {
  readonly file: string;
  readonly parsed: KnownHostsFile;
}

/**
 * Checks a presented key. A key listed for the host is known; any other key listed for the host
 * (of the same type or not) makes the presented one "changed": the client negotiates the known
 * types first (see knownKeyTypes), so a different key is never silently accepted.
 */
export function checkHostKey(files: readonly LoadedKnownHosts[], host: string, port: number, key: Uint8Array): HostKeyVerdict {
  const name = hostPatternFor(host, port);
  const presented = Buffer.from(key);
  let known: HostKeyVerdict | undefined;
  let changed: HostKeyVerdict | undefined;
  for (const f of files) {
    for (const line of f.parsed.lines) {
      if (line.marker === '@cert-authority') continue;
      if (!hostsFieldMatches(line.hosts, name)) continue;
      const same = line.key.length === presented.length && timingSafeEqual(line.key, presented);
      if (line.marker === '@revoked') {
        if (same) return { status: 'revoked', line, file: f.file };
        continue;
      }
      if (same) known ??= { status: 'known', line, file: f.file };
      else changed ??= { status: 'changed', line, file: f.file };
    }
  }
  if (known) return known;
  if (changed) return changed;
  return { status: 'unknown' };
}

/** Key types listed for a host (to prefer them in the key exchange, as OpenSSH does). */
export function knownKeyTypes(files: readonly LoadedKnownHosts[], host: string, port: number): string[] {
  const name = hostPatternFor(host, port);
  const types: string[] = [];
  for (const f of files) {
    for (const line of f.parsed.lines) {
      if (line.marker !== '' || !hostsFieldMatches(line.hosts, name)) continue;
      if (!types.includes(line.keyType)) types.push(line.keyType);
    }
  }
  return types;
}

export function formatKnownHostsLine(host: string, port: number, key: Uint8Array): string {
  const type = keyTypeOfBlob(key);
  return `${hostPatternFor(host, port)} ${type} ${Buffer.from(key).toString('base64')}`;
}

/** Text of a known_hosts file without the lines naming host:port (hashed lines included). */
export function removeHostFromText(text: string, host: string, port: number): { text: string; removed: number } {
  const name = hostPatternFor(host, port);
  let removed = 0;
  const out: string[] = [];
  for (const row of text.split('\n')) {
    const parsed = parseKnownHosts(row);
    const line = parsed.lines[0];
    if (line && line.marker !== '@cert-authority' && hostsFieldMatches(line.hosts, name)) {
      removed++;
      continue;
    }
    out.push(row);
  }
  return { text: out.join('\n'), removed };
}
