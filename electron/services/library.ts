// The capture library: `<dataDir>/library/<id>.pb.gz` (standard gzipped pprof) plus
// `<id>.json` (metadata), files 0600 in 0700 directories, each written atomically (temporary
// file + rename; the metadata last, so a listed capture always has its profile). A damaged
// entry is reported and skipped. Exports apply redaction (core/redaction, default `standard`)
// with a random key per export.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, type Stats } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import { EmberError } from '../../core/errors';
import { fromFolded, toFolded } from '../../core/folded';
import { DETECT_HEAD_BYTES, UNKNOWN_FORMAT_MESSAGE, detectImportFormat } from '../../core/import/format';
import { decodePprof, encodePprof, encodePprofInSteps } from '../../core/pprof';
import { applyTransforms, resolvedLeafFraction, symbolSourceCounts, totalLost, type Profile } from '../../core/profile';
import { DEFAULT_EXPORT_PRESET, PRESET_SETTINGS, PRESETS, isPreset, redactProfile, redactionOptionsOf, summarizeRedaction } from '../../core/redaction';
import { IMPORT_TOO_LARGE_MESSAGE, MAX_IMPORT_BYTES } from '../../core/api';
import { runInSteps } from './cooperative';
import { ImportUpload, readProfileFile, sniffFile } from './import-file';
import { ensurePrivateDir, writeFileAtomic } from './paths';
import type {
  CaptureMetadata,
  CaptureSummary,
  DamagedEntry,
  ExportedFile,
  ExportOptions,
  ImportSession,
  LibraryListing,
  LibraryService,
  OpenedCapture,
  RedactionSettings,
} from './types';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,79}$/;
const MAX_PROFILE_BYTES = 512 * 1024 * 1024;
/** zlib in the thread pool: compressing a large profile does not hold up the main process. */
const gzipAsync = promisify(gzip);

export function newCaptureId(now = Date.now()): string {
  const d = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${d}-${randomBytes(3).toString('hex')}`;
}

/** Changes when the file is replaced or written to. */
function fileIdentity(s: Stats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

function checkId(id: string): string {
  if (!ID_RE.test(id)) throw new EmberError('NOT_FOUND', 'No such capture in the library.');
  return id;
}

export function summaryOf(meta: CaptureMetadata): CaptureSummary {
  return {
    id: meta.id,
    title: meta.title,
    host: meta.host.label,
    source: meta.source,
    startedMs: meta.startedMs,
    durationMs: Math.max(0, meta.endedMs - meta.startedMs),
    samples: meta.samples,
    lost: meta.lost,
    interrupted: meta.interrupted,
    redaction: meta.redaction,
    ...(meta.symbolSources && typeof meta.symbolSources === 'object' ? { symbolSources: meta.symbolSources } : {}),
  };
}

function validMeta(value: unknown, id: string): CaptureMetadata {
  const m = value as Partial<CaptureMetadata> | null;
  if (
    m === null ||
    typeof m !== 'object' ||
    m.formatVersion !== 1 ||
    m.id !== id ||
    typeof m.title !== 'string' ||
    typeof m.startedMs !== 'number' ||
    typeof m.endedMs !== 'number' ||
    typeof m.samples !== 'number' ||
    typeof m.host !== 'object' ||
    m.host === null ||
    typeof m.host.label !== 'string'
  ) {
    throw new Error('metadata is not a capture record');
  }
  return m as CaptureMetadata;
}

export type NewCaptureMetadata = Omit<CaptureMetadata, 'formatVersion' | 'id' | 'samples' | 'lost' | 'symbolizedShare' | 'symbolSources'> & { readonly id?: string };

function safeFileStem(title: string): string {
  const s = title.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  return s === '' ? 'capture' : s;
}

export function gunzipIfNeeded(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes, { maxOutputLength: MAX_PROFILE_BYTES });
    } catch (error) {
      throw new EmberError('BAD_INPUT', `The file is not valid gzip (${error instanceof Error ? error.message : String(error)}).`);
    }
  }
  return bytes;
}

/**
 * Parses an imported file held in memory: pprof or folded stacks, gzipped or not, told apart
 * by content (the name is not looked at: a .gz may hold folded text).
 */
export function parseProfileFile(bytes: Uint8Array): { profile: Profile; format: 'pprof' | 'folded' } {
  const raw = gunzipIfNeeded(bytes);
  const format = detectImportFormat(raw.subarray(0, DETECT_HEAD_BYTES), raw.length <= DETECT_HEAD_BYTES);
  if (format === 'folded') return { profile: fromFolded(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')), format };
  if (format === 'pprof') return { profile: decodePprof(raw), format };
  throw new EmberError('BAD_INPUT', format === 'gzip' ? 'The file is gzip inside gzip: decompress it once and import it again.' : UNKNOWN_FORMAT_MESSAGE);
}

function importName(fileName: string): string {
  // eslint-disable-next-line no-control-regex
  return fileName.replace(/[\u0000-\u001f\u007f/\\]/g, '').slice(0, 200) || 'imported';
}

export class Library implements LibraryService {
  readonly dir: string;
  /**
   * The profile saved last: the app opens a capture as soon as it is saved, and decoding a
   * large one again from disk would hold up the main process for seconds.
   */
  private lastSaved: { readonly id: string; readonly profile: Profile; readonly file: string } | undefined;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'library');
  }

  /** Saves a profile and its metadata; returns the summary. Encodes in steps, compresses off the main thread. */
  async save(profile: Profile, meta: NewCaptureMetadata): Promise<CaptureSummary> {
    await ensurePrivateDir(this.dir);
    const id = meta.id ?? newCaptureId(meta.startedMs || Date.now());
    checkId(id);
    const full: CaptureMetadata = {
      ...meta,
      formatVersion: 1,
      id,
      samples: profile.meta.sampleCount,
      lost: totalLost(profile.meta.lost),
      symbolizedShare: resolvedLeafFraction(profile),
      symbolSources: symbolSourceCounts(profile),
    };
    const encoded = await runInSteps(encodePprofInSteps(profile));
    const profileFile = join(this.dir, `${id}.pb.gz`);
    await writeFileAtomic(profileFile, await gzipAsync(encoded));
    await writeFileAtomic(join(this.dir, `${id}.json`), `${JSON.stringify(full, null, 2)}\n`);
    this.lastSaved = { id, profile, file: fileIdentity(await stat(profileFile)) };
    return summaryOf(full);
  }

  private async readMeta(id: string): Promise<CaptureMetadata> {
    const text = await readFile(join(this.dir, `${id}.json`), 'utf8');
    return validMeta(JSON.parse(text), id);
  }

  async list(): Promise<LibraryListing> {
    if (!existsSync(this.dir)) return { captures: [], damaged: [] };
    const captures: CaptureSummary[] = [];
    const damaged: DamagedEntry[] = [];
    const names = await readdir(this.dir);
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -5);
      if (!ID_RE.test(id)) continue;
      try {
        const meta = await this.readMeta(id);
        if (!names.includes(`${id}.pb.gz`)) throw new Error('the profile file is missing');
        captures.push(summaryOf(meta));
      } catch (error) {
        damaged.push({ id, reason: error instanceof Error ? error.message.split('\n')[0] ?? 'unreadable' : 'unreadable' });
      }
    }
    for (const name of names) {
      if (!name.endsWith('.pb.gz')) continue;
      const id = name.slice(0, -6);
      if (ID_RE.test(id) && !names.includes(`${id}.json`)) damaged.push({ id, reason: 'the metadata file is missing' });
    }
    captures.sort((a, b) => b.startedMs - a.startedMs || a.id.localeCompare(b.id));
    return { captures, damaged };
  }

  async open(id: string): Promise<OpenedCapture> {
    checkId(id);
    if (!existsSync(join(this.dir, `${id}.json`))) throw new EmberError('NOT_FOUND', `No capture ${id} in the library.`);
    let metadata: CaptureMetadata;
    try {
      metadata = await this.readMeta(id);
    } catch (error) {
      throw new EmberError('BAD_INPUT', `The capture ${id} is damaged: ${error instanceof Error ? error.message : String(error)}.`);
    }
    let profile: Profile;
    try {
      const profileFile = join(this.dir, `${id}.pb.gz`);
      const unchanged = this.lastSaved?.id === id && this.lastSaved.file === fileIdentity(await stat(profileFile));
      profile = unchanged && this.lastSaved ? this.lastSaved.profile : decodePprof(gunzipIfNeeded(await readFile(profileFile)));
    } catch (error) {
      throw new EmberError('BAD_INPUT', `The capture ${id} is damaged: ${error instanceof Error ? error.message : String(error)}.`);
    }
    return { summary: summaryOf(metadata), metadata, profile };
  }

  async remove(id: string): Promise<void> {
    checkId(id);
    const files = [join(this.dir, `${id}.json`), join(this.dir, `${id}.pb.gz`)];
    if (!files.some((f) => existsSync(f))) throw new EmberError('NOT_FOUND', `No capture ${id} in the library.`);
    if (this.lastSaved?.id === id) this.lastSaved = undefined;
    // Metadata first: a half-removed entry is never listed as complete.
    for (const f of files) await rm(f, { force: true });
  }

  async import(bytes: Uint8Array, fileName: string): Promise<CaptureSummary> {
    if (bytes.length > MAX_IMPORT_BYTES) throw new EmberError('TOO_LARGE', IMPORT_TOO_LARGE_MESSAGE);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const existing = await this.findImport(sha256);
    if (existing) return existing;
    const { profile } = parseProfileFile(bytes);
    return this.saveImport(profile, fileName, sha256);
  }

  /** The library entry imported from a file with this SHA-256, if there is one. */
  private async findImport(sha256: string): Promise<CaptureSummary | undefined> {
    if (!existsSync(this.dir)) return undefined;
    for (const name of await readdir(this.dir)) {
      const id = name.endsWith('.json') ? name.slice(0, -5) : '';
      if (!ID_RE.test(id) || !existsSync(join(this.dir, `${id}.pb.gz`))) continue;
      const meta = await this.readMeta(id).catch(() => undefined);
      if (meta?.contentSha256 === sha256) return summaryOf(meta);
    }
    return undefined;
  }

  async beginImport(fileName: string, size: number): Promise<ImportSession> {
    await ensurePrivateDir(this.dir);
    const upload = await ImportUpload.create(this.dir, size);
    return {
      write: (offset, bytes) => upload.write(offset, bytes),
      finish: async () => {
        try {
          const sha256 = await upload.complete();
          const existing = await this.findImport(sha256);
          if (existing) {
            const { format, gzipped } = await sniffFile(upload.path);
            return { summary: existing, duplicate: true, format, gzipped };
          }
          const parsed = await readProfileFile(upload.path);
          const summary = await this.saveImport(parsed.profile, fileName, sha256);
          return { summary, duplicate: false, format: parsed.format, gzipped: parsed.gzipped };
        } finally {
          await upload.discard();
        }
      },
      cancel: () => upload.discard(),
    };
  }

  private saveImport(profile: Profile, fileName: string, contentSha256: string): Promise<CaptureSummary> {
    const now = Date.now();
    const name = importName(fileName);
    return this.save(profile, {
      title: name,
      source: 'import',
      host: { id: '', label: '', hostName: '', port: 0 },
      user: '',
      startedMs: profile.meta.startTimeMs || now,
      endedMs: profile.meta.endTimeMs || profile.meta.startTimeMs || now,
      options: null,
      agent: { version: '', sha256: '' },
      sampler: { version: '', sha256: '' },
      warnings: [],
      redaction: 'unknown (imported)',
      interrupted: false,
      error: '',
      importedFrom: name,
      contentSha256,
    });
  }

  async export(id: string, options: ExportOptions, teamKey?: Uint8Array): Promise<ExportedFile> {
    const opened = await this.open(id);
    return exportProfile(opened.profile, opened.summary.title, options, teamKey);
  }
}

/** The settings of an export: a preset or the view's toggles, plus extra patterns. */
export function exportSettings(options: ExportOptions): RedactionSettings {
  const redaction = options.redaction ?? DEFAULT_EXPORT_PRESET;
  if (typeof redaction === 'string' && !isPreset(redaction)) {
    throw new EmberError('BAD_OPTIONS', `unknown redaction preset ${JSON.stringify(redaction)}; presets are ${Object.keys(PRESETS).join(', ')}`);
  }
  const settings = typeof redaction === 'string' ? PRESET_SETTINGS[redaction] : redaction;
  return { ...settings, patterns: [...settings.patterns, ...(options.patterns ?? [])] };
}

/** A profile as an export file, redacted as the options say (random key unless a team key is given). */
export function exportProfile(profile: Profile, title: string, options: ExportOptions, teamKey?: Uint8Array): ExportedFile {
  const transformed = applyTransforms(profile, options.transforms ?? []).profile;
  const result = redactProfile(transformed, redactionOptionsOf(exportSettings(options), teamKey ?? randomBytes(32)));
  const stem = safeFileStem(title);
  const summary = result.applied.length === 0 ? 'no redaction' : summarizeRedaction(result.report);
  if (options.format === 'pprof') {
    return { fileName: `${stem}.pb.gz`, mimeType: 'application/gzip', bytes: gzipSync(encodePprof(result.profile)), redactionSummary: summary };
  }
  if (options.format === 'folded') {
    return { fileName: `${stem}.folded.txt`, mimeType: 'text/plain', bytes: Buffer.from(toFolded(result.profile), 'utf8'), redactionSummary: summary };
  }
  throw new EmberError('BAD_OPTIONS', 'Export format must be pprof or folded.');
}
