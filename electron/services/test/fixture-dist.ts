// A dist/ directory for tests: the real agent bundle plus a sampler stand-in (or the real
// sampler when assets carry one), with a manifest in the layout scripts/build.mjs writes.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..', '..');

export interface FixtureDist {
  readonly dir: string;
  readonly agentSha: string;
  readonly samplerSha: string;
  readonly version: string;
}

const sha = async (p: string): Promise<string> => createHash('sha256').update(await readFile(p)).digest('hex');

/** `sampler`: a file to stand in for the sampler (default /usr/bin/true). */
export async function makeFixtureDist(options: { sampler?: string; version?: string } = {}): Promise<FixtureDist> {
  const dir = await mkdtemp(join(tmpdir(), 'emberscope-dist-'));
  const agentSrc = join(REPO, 'dist', 'agent', 'agent.cjs');
  if (!existsSync(agentSrc)) throw new Error('dist/agent/agent.cjs is missing: run npm run build (or node agent-remote/build.mjs) first');
  await mkdir(join(dir, 'agent'));
  await copyFile(agentSrc, join(dir, 'agent', 'agent.cjs'));
  await mkdir(join(dir, 'linux-x86_64'));
  await copyFile(options.sampler ?? '/usr/bin/true', join(dir, 'linux-x86_64', 'emberscope-sampler'));
  const version = options.version ?? '0.0.0-test';
  const agentSha = await sha(join(dir, 'agent', 'agent.cjs'));
  const samplerSha = await sha(join(dir, 'linux-x86_64', 'emberscope-sampler'));
  const manifest = {
    version,
    files: [{ path: join(dir, 'linux-x86_64', 'emberscope-sampler'), sha256: samplerSha }],
    agent: { path: join(dir, 'agent', 'agent.cjs'), sha256: agentSha },
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return { dir, agentSha, samplerSha, version };
}
