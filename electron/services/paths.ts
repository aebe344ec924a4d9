// Where the services keep their files, and how: directories 0700, files 0600, written
// atomically (temporary file in the same directory, fsync, rename).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { EmberError } from '../../core/errors';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `--data-dir` > EMBERSCOPE_DATA_DIR > $XDG_DATA_HOME/emberscope > ~/.local/share/emberscope. */
export function defaultDataDir(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const env = process.env['EMBERSCOPE_DATA_DIR'];
  if (env) return resolve(env);
  const xdg = process.env['XDG_DATA_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'share'), 'emberscope');
}

/**
 * Cache of the desktop side (the pinned Node runtime tarballs): $XDG_CACHE_HOME/emberscope-app.
 * Not ~/.cache/emberscope: that is the host-side cache, which uninstall of This machine removes.
 */
export function defaultCacheDir(): string {
  const env = process.env['EMBERSCOPE_CACHE_DIR'];
  if (env) return resolve(env);
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'emberscope-app');
}

/**
 * Makes sure `path` is a directory. What is missing is created 0700 (parents included); an
 * existing directory is left exactly as it is, mode and owner: the app never changes a path it
 * did not create (a user's `--known-hosts DIR/FILE`, a data dir they made themselves). The
 * app's files are written 0600, so they stay private in a looser directory too. Returns whether
 * it was created and the mode it has.
 */
export async function ensurePrivateDir(path: string): Promise<{ readonly created: boolean; readonly mode: number }> {
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing) {
    if (!existing.isDirectory()) throw new EmberError('BAD_OPTIONS', `${path} exists and is not a directory.`);
    return { created: false, mode: existing.mode & 0o777 };
  }
  const first = await mkdir(path, { recursive: true, mode: 0o700 });
  // mkdir's mode passes through the umask: set 0700 on exactly the directories made here.
  if (first !== undefined) {
    for (let dir = resolve(path); ; dir = dirname(dir)) {
      await chmod(dir, 0o700);
      if (dir === resolve(first) || dirname(dir) === dir) break;
    }
  }
  return { created: true, mode: 0o700 };
}

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  // Creates a missing parent as private, but never changes the mode of an existing directory:
  // that is the caller's (a private directory of the app's own, made with ensurePrivateDir).
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.tmp-${randomBytes(6).toString('hex')}`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * dist/ of the running build (dist/manifest.json, dist/agent/agent.cjs). The CLI bundle lives
 * in dist/cli/, the Electron bundle in dist/electron/; from sources (tests) it is <repo>/dist.
 */
export function defaultDistDir(): string {
  const env = process.env['EMBERSCOPE_DIST_DIR'];
  if (env) return resolve(env);
  const candidates: string[] = [];
  const main = process.argv[1];
  if (main) candidates.push(join(dirname(main), '..'));
  try {
    candidates.push(join(dirname(fileURLToPath(import.meta.url)), '..'));
  } catch {
    // CommonJS bundle: import.meta.url is empty
  }
  if (typeof __dirname === 'string') candidates.push(join(__dirname, '..'));
  for (const c of candidates) {
    if (existsSync(join(c, 'manifest.json'))) return resolve(c);
    if (existsSync(join(c, '..', 'dist', 'manifest.json'))) return resolve(c, '..', 'dist');
  }
  return resolve(process.cwd(), 'dist');
}
