// Where the built console UI (dist/renderer) is, for the Electron shell and the browser mode.
// Its own module so that the Electron main process does not load the browser mode's HTTP and
// WebSocket server to find it.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function moduleDir(): string {
  // CommonJS bundle (dist/electron, dist/cli) or ES module source (tsx, vitest).
  if (typeof __dirname === 'string') return __dirname;
  return dirname(fileURLToPath(import.meta.url));
}

export function findRendererDir(explicit?: string): string {
  const here = moduleDir();
  const candidates = [
    explicit,
    process.env.EMBERSCOPE_RENDERER_DIR,
    // A bundle in dist/electron/ or dist/cli/.
    join(here, '../renderer'),
    // This source file in electron/.
    join(here, '../dist/renderer'),
  ].filter((c): c is string => typeof c === 'string' && c !== '');
  for (const c of candidates) if (existsSync(join(c, 'index.html'))) return resolve(c);
  throw new Error('The console UI is not built: run `npm run build` (or `node renderer/build.mjs`) first.');
}
