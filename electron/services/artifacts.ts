// What the app carries to hosts and how it knows them: dist/manifest.json (written by
// scripts/build.mjs = assets/manifest.json of the sampler build + the agent bundle entry).
// This module is the only place that knows the manifest's layout.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { EmberError } from '../../core/errors';
import { EMBERSCOPE_VERSION } from '../../core/version';

export interface Artifact {
  /** File name on the host (inside ~/.cache/emberscope/<sha256>/). */
  readonly fileName: string;
  readonly localPath: string;
  readonly sha256: string;
  readonly size: number;
  readonly version: string;
}

export interface Artifacts {
  readonly distDir: string;
  readonly agent: Artifact;
  /** Undefined when the manifest has no sampler for this architecture. */
  readonly sampler: Artifact | undefined;
  readonly samplerVersion: string;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

interface Found {
  path: string;
  key: string;
  sha256: string;
  size: number;
  version: string;
}

function walk(value: Json, key: string, out: Found[], inheritedVersion: string): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) walk(v, key, out, inheritedVersion);
    return;
  }
  const version = typeof value['version'] === 'string' ? value['version'] : inheritedVersion;
  const sha = value['sha256'];
  if (typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha)) {
    const path = typeof value['path'] === 'string' ? value['path'] : typeof value['file'] === 'string' ? value['file'] : key;
    out.push({ path, key, sha256: sha, size: typeof value['size'] === 'number' ? value['size'] : 0, version });
  }
  for (const [k, v] of Object.entries(value)) walk(v, k, out, version);
}

/** The host architectures Emberscope ships a sampler and a Node runtime for, by `uname -m`. */
export const SUPPORTED_MACHINES = ['x86_64', 'aarch64'] as const;
export type SupportedMachine = (typeof SUPPORTED_MACHINES)[number];

/**
 * A host's `uname -m` (or Node's / Debian's name for the same architecture) as one Emberscope
 * ships for; anything else is refused with UNSUPPORTED_ARCH before anything is uploaded.
 */
export function supportedMachine(machine: string): SupportedMachine {
  const m = machine.trim();
  if (m === 'x86_64' || m === 'x64' || m === 'amd64') return 'x86_64';
  if (m === 'aarch64' || m === 'arm64') return 'aarch64';
  // The host's own words, shown as text: printable ASCII only, bounded.
  const shown = m.replace(/[^\x21-\x7e]/g, '?').slice(0, 40);
  throw new EmberError(
    'UNSUPPORTED_ARCH',
    `This host is ${shown === '' ? 'of an architecture uname -m did not name' : shown}; Emberscope ships agents for ${SUPPORTED_MACHINES.join(' and ')}.`,
    { machine: shown },
  );
}

/** The assets directory of a host's architecture: linux-x86_64, linux-aarch64. */
export function hostArchDir(machine: string): string {
  return `linux-${supportedMachine(machine)}`;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Reads the manifest; checks that the files the app carries match it. UNSUPPORTED_ARCH for a machine it ships nothing for. */
export function loadArtifacts(distDir: string, machine = 'x86_64'): Artifacts {
  const arch = hostArchDir(machine);
  const manifestPath = join(distDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new EmberError('SETUP_MISSING', `No ${manifestPath}: run npm run build first.`);
  }
  let manifest: Json;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Json;
  } catch {
    throw new EmberError('BAD_INPUT', `${manifestPath} is not valid JSON: run npm run build again.`);
  }
  const found: Found[] = [];
  walk(manifest, '', found, '');
  const root = dirname(distDir);
  const resolvePath = (p: string): string => (isAbsolute(p) ? p : [join(root, p), join(distDir, p), join(root, 'assets', p)].find((c) => existsSync(c)) ?? join(root, p));
  const agentEntry = found.find((f) => f.key === 'agent') ?? found.find((f) => f.path.endsWith('agent.cjs'));
  if (!agentEntry) throw new EmberError('SETUP_MISSING', `${manifestPath} has no agent entry: run npm run build first.`);
  const samplers = found.filter((f) => f.path.endsWith('emberscope-sampler') || f.key.endsWith('emberscope-sampler'));
  const samplerEntry = samplers.find((f) => f.path.includes(arch) || f.key.includes(arch)) ?? (arch === 'linux-x86_64' ? samplers.find((f) => !/aarch64|arm64/.test(f.path)) : undefined);
  const top = typeof manifest === 'object' && manifest !== null && !Array.isArray(manifest) ? manifest : {};
  // assets/manifest.json: `version` is the manifest format (a number), `sampler_version` the sampler's.
  const named = [top['sampler_version'], top['samplerVersion'], top['version']].find((v): v is string => typeof v === 'string' && v !== '');
  const version = named ?? EMBERSCOPE_VERSION;
  const agent: Artifact = { fileName: 'agent.cjs', localPath: resolvePath(agentEntry.path), sha256: agentEntry.sha256, size: agentEntry.size, version: agentEntry.version || version };
  const sampler: Artifact | undefined = samplerEntry
    ? { fileName: 'emberscope-sampler', localPath: resolvePath(samplerEntry.path), sha256: samplerEntry.sha256, size: samplerEntry.size, version }
    : undefined;
  for (const a of [agent, sampler]) {
    if (!a) continue;
    if (!existsSync(a.localPath)) throw new EmberError('SETUP_MISSING', `${a.localPath} is missing: run npm run build first.`);
    if (sha256File(a.localPath) !== a.sha256) {
      throw new EmberError('ARTIFACT_MISMATCH', `${a.localPath} does not match its SHA-256 in ${manifestPath}: rebuild (npm run build).`);
    }
  }
  return { distDir, agent, sampler, samplerVersion: sampler?.version ?? version };
}
