// The known_hosts files the app checks: the user's (read-only, default ~/.ssh/known_hosts) and
// the app's own (read-write; accepted keys are appended there, 0600 in a 0700 directory).
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  checkHostKey,
  fingerprintSha256,
  formatKnownHostsLine,
  hostPatternFor,
  hostsFieldMatches,
  knownKeyTypes,
  parseKnownHosts,
  removeHostFromText,
  type HostKeyVerdict,
  type LoadedKnownHosts,
} from './known-hosts';
import { ensurePrivateDir, writeFileAtomic } from './paths';
import type { KnownHostEntry, KnownHostsService } from './types';

export class KnownHostsStore implements KnownHostsService {
  constructor(
    readonly appFile: string,
    readonly userFiles: readonly string[],
  ) {}

  /** The same app file with a host's own known_hosts files (its UserKnownHostsFile/GlobalKnownHostsFile). */
  withUserFiles(files: readonly string[]): KnownHostsStore {
    return new KnownHostsStore(this.appFile, files);
  }

  load(): LoadedKnownHosts[] {
    const out: LoadedKnownHosts[] = [];
    for (const file of [this.appFile, ...this.userFiles]) {
      if (!existsSync(file)) continue;
      try {
        out.push({ file, parsed: parseKnownHosts(readFileSync(file, 'utf8'), file) });
      } catch {
        // unreadable: as if absent
      }
    }
    return out;
  }

  check(host: string, port: number, key: Uint8Array): HostKeyVerdict {
    return checkHostKey(this.load(), host, port, key);
  }

  keyTypes(host: string, port: number): string[] {
    return knownKeyTypes(this.load(), host, port);
  }

  async add(host: string, port: number, key: Uint8Array): Promise<void> {
    await ensurePrivateDir(dirname(this.appFile));
    let prefix = '';
    if (existsSync(this.appFile)) {
      const text = await readFile(this.appFile, 'utf8');
      if (text.length > 0 && !text.endsWith('\n')) prefix = '\n';
    }
    await appendFile(this.appFile, `${prefix}${formatKnownHostsLine(host, port, key)}\n`, { mode: 0o600 });
  }

  async list(host?: string, port = 22): Promise<readonly KnownHostEntry[]> {
    const entries: KnownHostEntry[] = [];
    const name = host !== undefined ? hostPatternFor(host, port) : undefined;
    for (const f of this.load()) {
      if (name === undefined && f.file !== this.appFile) continue;
      for (const line of f.parsed.lines) {
        if (name !== undefined && !hostsFieldMatches(line.hosts, name)) continue;
        entries.push({ file: f.file, line: line.line, hosts: line.hosts, keyType: line.keyType, fingerprint: fingerprintSha256(line.key), marker: line.marker });
      }
    }
    return entries;
  }

  async remove(host: string, port = 22): Promise<number> {
    if (!existsSync(this.appFile)) return 0;
    const { text, removed } = removeHostFromText(await readFile(this.appFile, 'utf8'), host, port);
    if (removed > 0) await writeFileAtomic(this.appFile, text);
    return removed;
  }
}
