// Comparing two profiles outside the renderer (the CLI's `compare`, the API's comparison
// export): both redacted with one key, so that a masked function has the same mask in the base
// and in the target and the two still compare by name.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { EmberError } from '../../core/errors';
import { encodeDiffPprof } from '../../core/pprof';
import type { Profile } from '../../core/profile';
import { redactProfile, redactionOptionsOf, summarizeRedaction } from '../../core/redaction';
import { exportSettings, parseProfileFile } from './library';
import type { CaptureSummary, ExportedFile, ExportOptions, LibraryService } from './types';

export interface RedactedPair {
  readonly base: Profile;
  readonly target: Profile;
  /** e.g. "base: 12 functions masked; target: 14 functions masked", or "no redaction". */
  readonly summary: string;
}

export function redactPair(base: Profile, target: Profile, options: Omit<ExportOptions, 'format'>, key: Uint8Array = randomBytes(32)): RedactedPair {
  const settings = exportSettings({ format: 'pprof', ...options });
  const b = redactProfile(base, redactionOptionsOf(settings, key));
  const t = redactProfile(target, redactionOptionsOf(settings, key));
  if (b.applied.length === 0) return { base: b.profile, target: t.profile, summary: 'no redaction' };
  return { base: b.profile, target: t.profile, summary: `base: ${summarizeRedaction(b.report)}; target: ${summarizeRedaction(t.report)}` };
}

/** The diff as gzipped pprof in -diff_base form (core/pprof/encode-diff.ts), redacted as the options say. */
export function exportComparison(base: Profile, target: Profile, stem: string, options: ExportOptions, teamKey?: Uint8Array): ExportedFile {
  if (options.format !== 'pprof') throw new EmberError('BAD_OPTIONS', 'A comparison is exported as pprof only (folded stacks cannot carry negative counts).');
  const pair = redactPair(base, target, options, teamKey);
  const safe = stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'comparison';
  return { fileName: `${safe}.diff.pb.gz`, mimeType: 'application/gzip', bytes: gzipSync(encodeDiffPprof(pair.base, pair.target)), redactionSummary: pair.summary };
}

export interface LoadedProfile {
  readonly profile: Profile;
  /** The file name or the capture's title, for headings. */
  readonly label: string;
  readonly summary: CaptureSummary | null;
}

/** A comparison operand: a file (pprof, gzipped or not, or folded stacks) if one exists at that path, else a library id. */
export async function loadProfileArg(arg: string, library: () => LibraryService): Promise<LoadedProfile> {
  let bytes: Buffer | undefined;
  try {
    bytes = await readFile(arg);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ENAMETOOLONG') throw new EmberError('NOT_FOUND', `Cannot read ${arg} (${code ?? 'error'}).`);
  }
  if (bytes !== undefined) {
    const name = arg.split('/').pop() ?? arg;
    return { profile: parseProfileFile(bytes).profile, label: name, summary: null };
  }
  try {
    const opened = await library().open(arg);
    return { profile: opened.profile, label: opened.summary.title, summary: opened.summary };
  } catch (e) {
    if (e instanceof EmberError && e.code === 'NOT_FOUND') throw new EmberError('NOT_FOUND', `${JSON.stringify(arg.slice(0, 80))} is neither a readable file nor a capture id in the library.`);
    throw e;
  }
}
