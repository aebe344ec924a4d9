// `npm run build`: builds every TypeScript part into dist/ and writes dist/manifest.json, the
// SHA-256 manifest the app carries to verify what it runs on hosts (the committed sampler
// artifacts of assets/manifest.json plus the agent bundle built here).
// The sampler itself is built from C by `npm run build:bpf`; the test command also checks that
// the committed artifacts rebuild byte for byte.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const parts = [
  { name: 'agent', script: 'agent-remote/build.mjs' },
  { name: 'cli', script: 'electron/cli/build.mjs' },
  { name: 'electron shell', script: 'electron/build.mjs' },
  { name: 'renderer', script: 'renderer/build.mjs' },
];

for (const part of parts) {
  const started = Date.now();
  execFileSync(process.execPath, [part.script], { stdio: 'inherit' });
  console.error(`build: ${part.name} in ${Date.now() - started} ms`);
}

writeManifest();

function writeManifest() {
  const manifest = JSON.parse(readFileSync('assets/manifest.json', 'utf8'));
  const agentPath = 'dist/agent/agent.cjs';
  const bytes = readFileSync(agentPath);
  manifest.agent = {
    path: agentPath,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
  };
  mkdirSync('dist', { recursive: true });
  writeFileSync('dist/manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  console.error(`build: dist/manifest.json (agent ${manifest.agent.sha256.slice(0, 12)}…)`);
}
