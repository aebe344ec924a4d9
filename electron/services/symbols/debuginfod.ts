// A debuginfod client on the desktop (elfutils' protocol): GET <server>/buildid/<id>/debuginfo,
// then /executable, for each server of DEBUGINFOD_URLS (space-separated, in order) or the app's
// setting. Node's fetch (undici) follows redirects and does TLS; each download is bounded in
// size and time, checked to be an ELF file of the build id asked for, and kept in a cache in the
// app's data dir (<dataDir>/debuginfod/<build-id>/<kind>, like elfutils' client cache). The host
// never fetches anything: only the desktop talks to these servers.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ElfFile } from '../../../core/elf/elf';
import { ensurePrivateDir } from '../paths';
import { fileByteSource } from './file-source';

export type DebuginfodKind = 'debuginfo' | 'executable';

export interface DebuginfodFailure {
  readonly ok: false;
  readonly why: 'not-on-server' | 'server-unreachable' | 'build-id-mismatch' | 'too-large';
  readonly detail: string;
}

export type DebuginfodOutcome = { readonly ok: true; readonly path: string; readonly kind: DebuginfodKind; readonly cached: boolean; readonly server: string } | DebuginfodFailure;

export interface DebuginfodOptions {
  /** Server base URLs (http/https). */
  readonly urls: readonly string[];
  /** The cache directory (created 0700 when missing). */
  readonly cacheDir: string;
  /** Largest file accepted, bytes (default 512 MiB). */
  readonly maxBytes?: number;
  /** Per request, connect to last byte (default 60 s). */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

const BUILD_ID = /^[0-9a-f]{2,128}$/;

/** Server URLs from a DEBUGINFOD_URLS-style string: whitespace-separated; only http(s) ones are kept, the others are reported. */
export function parseDebuginfodUrls(text: string | undefined): { urls: string[]; refused: string[] } {
  const urls: string[] = [];
  const refused: string[] = [];
  for (const word of (text ?? '').split(/\s+/)) {
    if (!word) continue;
    let u: URL;
    try {
      u = new URL(word);
    } catch {
      refused.push(word);
      continue;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') refused.push(word);
    else urls.push(word.replace(/\/+$/, ''));
  }
  return { urls, refused };
}

class TooLarge extends Error {}

export class DebuginfodClient {
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  /** Build ids asked for in this process and not found: not asked again. */
  private readonly missing = new Map<string, DebuginfodOutcome>();

  constructor(private readonly opts: DebuginfodOptions) {
    this.maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  get configured(): boolean {
    return this.opts.urls.length > 0;
  }

  /** A file with the symbols of `buildId`: debuginfo first, then the executable. */
  async find(buildId: string, accept: (path: string) => boolean): Promise<DebuginfodOutcome> {
    if (!BUILD_ID.test(buildId)) return { ok: false, why: 'not-on-server', detail: 'not a build id' };
    const remembered = this.missing.get(buildId);
    if (remembered) return remembered;
    let last: DebuginfodFailure | undefined;
    for (const kind of ['debuginfo', 'executable'] as const) {
      const r = await this.fetchKind(buildId, kind);
      if (r.ok && accept(r.path)) return r;
      if (!r.ok) last = moreTelling(last, r);
    }
    last ??= { ok: false, why: 'not-on-server', detail: 'the server has no file with symbols for it' };
    if (!last.ok && last.why !== 'server-unreachable') this.missing.set(buildId, last);
    return last;
  }

  private async fetchKind(buildId: string, kind: DebuginfodKind): Promise<DebuginfodOutcome> {
    const dir = join(this.opts.cacheDir, buildId);
    const file = join(dir, kind);
    if (existsSync(file) && elfBuildId(file) === buildId) return { ok: true, path: file, kind, cached: true, server: '' };
    let worst: DebuginfodFailure | undefined;
    for (const server of this.opts.urls) {
      const r = await this.download(server, buildId, kind, dir, file);
      if (r.ok) return r;
      worst = moreTelling(worst, r);
    }
    return worst ?? { ok: false, why: 'not-on-server', detail: 'no server configured' };
  }

  private async download(server: string, buildId: string, kind: DebuginfodKind, dir: string, file: string): Promise<DebuginfodOutcome> {
    const url = `${server}/buildid/${buildId}/${kind}`;
    let res: Response;
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      res = await fetch(url, { redirect: 'follow', signal });
    } catch (e) {
      return { ok: false, why: 'server-unreachable', detail: `${server}: ${causeOf(e)}` };
    }
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      return { ok: false, why: 'not-on-server', detail: `${server}: 404` };
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      return { ok: false, why: 'server-unreachable', detail: `${server}: HTTP ${res.status}` };
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > this.maxBytes) {
      await res.body.cancel().catch(() => undefined);
      return { ok: false, why: 'too-large', detail: `${server}: ${declared} bytes, over the ${this.maxBytes} allowed` };
    }
    await ensurePrivateDir(this.opts.cacheDir);
    await ensurePrivateDir(dir);
    const tmp = join(dir, `.${kind}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        let total = 0;
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          total += chunk.byteLength;
          if (total > this.maxBytes) throw new TooLarge(`over the ${this.maxBytes} bytes allowed`);
          await fh.write(chunk);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      const got = elfBuildId(tmp);
      if (got !== buildId) {
        await rm(tmp, { force: true });
        return { ok: false, why: 'build-id-mismatch', detail: `${server}: the file has build id ${got || '(none, or not ELF)'}` };
      }
      await mkdir(dir, { recursive: true });
      await rename(tmp, file);
      this.opts.log?.(`debuginfod: ${kind} of ${buildId} from ${server}`);
      return { ok: true, path: file, kind, cached: false, server };
    } catch (e) {
      await rm(tmp, { force: true });
      if (e instanceof TooLarge) return { ok: false, why: 'too-large', detail: `${server}: ${e.message}` };
      return { ok: false, why: 'server-unreachable', detail: `${server}: ${causeOf(e)}` };
    }
  }
}

/** The failure that says more of two (the first may be none yet). */
function moreTelling(a: DebuginfodFailure | undefined, b: DebuginfodFailure): DebuginfodFailure {
  return a === undefined || rank(b.why) > rank(a.why) ? b : a;
}

/** Which failure says most: unreachable < not there < too large < wrong file. */
function rank(why: DebuginfodFailure['why']): number {
  return { 'server-unreachable': 0, 'not-on-server': 1, 'too-large': 2, 'build-id-mismatch': 3 }[why];
}

function causeOf(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'timed out';
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}

/** Build id of an ELF file, '' when it is not one. */
export function elfBuildId(path: string): string {
  try {
    const elf = new ElfFile(fileByteSource(path));
    try {
      return elf.buildId();
    } finally {
      elf.close();
    }
  } catch {
    return '';
  }
}
