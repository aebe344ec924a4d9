// The `emberscope` CLI bundle against real sshd test hosts: host keys (unknown without a
// terminal, accept-new, changed, removal), exit statuses, ProxyJump through a second sshd from
// an ssh_config, setup/uninstall, and (when the sampler is built) captures of the C and Go
// reference workloads checked with `go tool pprof -top`.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../../scripts/test-host';
import { makeFixtureDist, REPO, type FixtureDist } from '../../services/test/fixture-dist';

const run = promisify(execFile);
const CLI = join(REPO, 'dist', 'cli', 'emberscope.cjs');
const realSampler = existsSync(join(REPO, 'assets', 'linux-x86_64', 'emberscope-sampler'));

let host: TestHost;
let bastion: TestHost;
let dir: string;
let dist: FixtureDist;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, EMBERSCOPE_NO_TTY: '1', EMBERSCOPE_DIST_DIR: dist.dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const common = (h: TestHost, kh: string): string[] => ['-i', h.facts.identityFile, '--known-hosts', kh, '--data-dir', join(dir, 'data')];
const dest = (h: TestHost): string => `${h.facts.user}@127.0.0.1:${h.facts.port}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-cli-'));
  await run(process.execPath, [join(REPO, 'electron', 'cli', 'build.mjs')]);
  dist = await makeFixtureDist();
  host = await startTestHost({ sudo: 'nopasswd' });
  bastion = await startTestHost({ tcpForwarding: true });
});

afterAll(async () => {
  if (existsSync('/usr/local/libexec/emberscope/0.0.0-test')) {
    await rm('/usr/local/libexec/emberscope', { recursive: true, force: true });
    await run('groupdel', ['emberscope']).catch(() => undefined);
  }
  await host?.stop();
  await bastion?.stop();
  await rm(dir, { recursive: true, force: true });
  if (dist) await rm(dist.dir, { recursive: true, force: true });
});

describe('emberscope CLI', () => {
  it('bad options and unreachable hosts exit with their own statuses', async () => {
    const bad = await cli(['capture', 'local', '--hz', 'fast', '-o', join(dir, 'x.pb.gz')]);
    expect(bad.code).toBe(64);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^emberscope: BAD_OPTIONS: /);
    const down = await cli(['check', '127.0.0.1:1', ...common(host, join(dir, 'kh0'))]);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/HOST_UNREACHABLE/);
  });

  it('refuses an unknown host key without a terminal, accepts it with --accept-new-host-key', async () => {
    const kh = join(dir, 'kh1');
    const refused = await cli(['check', dest(host), ...common(host, kh)]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain(host.facts.hostKeyFingerprint);
    expect(existsSync(kh)).toBe(false);
    const ok = await cli(['check', dest(host), ...common(host, kh), '--accept-new-host-key', '--json']);
    expect(ok.stderr).not.toMatch(/emberscope: /);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout) as { setupInstalled: boolean; warnings: unknown[] };
    expect(report.setupInstalled).toBe(false);
    expect((await readFile(kh, 'utf8')).trim()).toBe(host.facts.knownHostsLine);
    // Known now: no flag needed.
    expect((await cli(['check', dest(host), ...common(host, kh)])).code).toBe(0);
  });

  it('refuses a changed host key (man-in-the-middle warning) until it is removed explicitly', async () => {
    const kh = join(dir, 'kh2');
    const other = bastion.facts.hostPublicKey;
    await writeFile(kh, `[127.0.0.1]:${host.facts.port} ${other}\n`);
    const r = await cli(['check', dest(host), ...common(host, kh), '--accept-new-host-key']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/HOST_KEY_CHANGED: .*CHANGED.*man-in-the-middle/);
    const removed = await cli(['known-hosts', 'remove', '127.0.0.1', '-p', String(host.facts.port), '--known-hosts', kh]);
    expect(removed.code).toBe(0);
    expect((await cli(['check', dest(host), ...common(host, kh), '--accept-new-host-key'])).code).toBe(0);
  });

  it('authentication failure exits 4', async () => {
    const r = await cli(['check', dest(host), '-i', '/nonexistent', '--known-hosts', join(dir, 'kh3'), '--accept-new-host-key', '--data-dir', join(dir, 'data')]);
    expect(r.code).toBe(4);
  });

  it('connects through a ProxyJump bastion from an ssh_config (-F)', async () => {
    const config = join(dir, 'ssh_config');
    await writeFile(
      config,
      [
        'Host jump',
        '  HostName 127.0.0.1',
        `  Port ${bastion.facts.port}`,
        `  User ${bastion.facts.user}`,
        `  IdentityFile ${bastion.facts.identityFile}`,
        'Host target',
        '  HostName 127.0.0.1',
        `  Port ${host.facts.port}`,
        `  User ${host.facts.user}`,
        `  IdentityFile ${host.facts.identityFile}`,
        '  ProxyJump jump',
        '',
      ].join('\n'),
    );
    const hosts = await cli(['hosts', '-F', config, '--json', '--data-dir', join(dir, 'data')]);
    expect(JSON.parse(hosts.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'ssh:target', proxyJump: 'jump' })]));
    const kh = join(dir, 'kh4');
    const r = await cli(['check', 'target', '-F', config, '--known-hosts', kh, '--accept-new-host-key', '--data-dir', join(dir, 'data')]);
    expect(r.stderr).not.toMatch(/emberscope: /);
    expect(r.code).toBe(0);
    const lines = (await readFile(kh, 'utf8')).trim().split('\n').sort();
    expect(lines).toEqual([bastion.facts.knownHostsLine, host.facts.knownHostsLine].sort());
  });

  it('capture before setup exits 7 (setup missing); setup --yes and uninstall --yes', async () => {
    const kh = join(dir, 'kh5');
    const args = [...common(host, kh), '--accept-new-host-key'];
    const missing = await cli(['capture', dest(host), ...args, '--seconds', '1', '-o', join(dir, 'none.pb.gz')]);
    expect(missing.code).toBe(7);
    expect(missing.stderr).toMatch(/SETUP_MISSING: .*setup/);
    const noYes = await cli(['setup', dest(host), ...args]);
    expect(noYes.code).toBe(64);
    expect(noYes.stderr).toContain('setcap cap_bpf,cap_perfmon=ep');
    const setup = await cli(['setup', dest(host), ...args, '--yes']);
    expect(setup.stderr).toMatch(/setup: done and verified/);
    expect(setup.code).toBe(0);
    const un = await cli(['uninstall', dest(host), ...args, '--yes']);
    expect(un.code).toBe(0);
    expect(un.stdout).toContain('nothing of Emberscope remains');
    expect(existsSync('/usr/local/libexec/emberscope')).toBe(false);
  });
});

/** Flat % per function from `go tool pprof -top`. */
function flatShares(top: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of top.split('\n')) {
    const m = /^\s*[\d.]+\w*\s+([\d.]+)%\s+[\d.]+%\s+[\d.]+\w*\s+[\d.]+%\s+(.+)$/.exec(line);
    if (m) out.set((m[2] ?? '').trim(), Number(m[1]));
  }
  return out;
}

const LEAVES = {
  c: ['spin_parse_request', 'spin_compress_block', 'spin_verify_session_token'],
  go: ['main.hotParse', 'main.hotCompress', 'main.hotVerifyToken'],
} as const;

describe.skipIf(!realSampler)('emberscope capture with the real sampler', () => {
  let realDist: FixtureDist;
  const realEnv = (): Record<string, string> => ({ EMBERSCOPE_DIST_DIR: realDist.dir });
  const args = (): string[] => [...common(host, join(dir, 'kh6')), '--accept-new-host-key'];

  beforeAll(async () => {
    realDist = await makeFixtureDist({ sampler: join(REPO, 'assets', 'linux-x86_64', 'emberscope-sampler') });
    const r = await cli(['setup', dest(host), ...args(), '--yes'], realEnv());
    if (r.code !== 0) throw new Error(`setup failed: ${r.stderr}`);
  });
  afterAll(async () => {
    if (realDist) {
      await cli(['uninstall', dest(host), ...args(), '--yes'], realEnv());
      await rm(realDist.dir, { recursive: true, force: true });
    }
  });

  for (const kind of ['c', 'go'] as const) {
    it(`captures the ${kind} workload; go tool pprof -top shows its leaves 50:30:20`, async () => {
      const workload = await host.startWorkload(kind, { seconds: 0, threads: 1 });
      try {
        const out = join(dir, `${kind}.pb.gz`);
        const folded = join(dir, `${kind}.folded`);
        const t0 = Date.now();
        const r = await cli(['capture', dest(host), ...args(), '--seconds', '5', '--hz', '499', '--pid', String(workload.pid), '--redact', 'none', '-o', out, '--folded', folded], realEnv());
        expect(r.stderr).not.toMatch(/emberscope: /);
        expect(r.code).toBe(0);
        const first = /first samples (\d+) ms after the command started/.exec(r.stderr);
        console.log(`${kind}: first delta ${first?.[1] ?? '?'} ms after the command started; whole CLI run ${Date.now() - t0} ms`);
        const { stdout } = await run('go', ['tool', 'pprof', '-top', '-sample_index=samples', out], { env: { ...process.env, HOME: dir } });
        const shares = flatShares(stdout);
        const [a = 0, b = 0, c = 0] = LEAVES[kind].map((n) => shares.get(n) ?? 0);
        console.log(`${kind}: flat shares ${LEAVES[kind].join(' / ')} = ${a} / ${b} / ${c}`);
        expect(a + b + c).toBeGreaterThan(80);
        expect(Math.abs((100 * a) / (a + b + c) - 50)).toBeLessThan(10);
        expect(Math.abs((100 * b) / (a + b + c) - 30)).toBeLessThan(10);
        expect(Math.abs((100 * c) / (a + b + c) - 20)).toBeLessThan(10);
        expect(await readFile(folded, 'utf8')).toContain(LEAVES[kind][0]);
        // The default export redaction (standard) masks the sensitive leaf name.
        const redacted = join(dir, `${kind}-std.pb.gz`);
        const lib = await cli(['library', 'list', '--json', '--data-dir', join(dir, 'data')]);
        const id = (JSON.parse(lib.stdout) as { id: string }[])[0]?.id ?? '';
        expect((await cli(['library', 'export', id, '-o', redacted, '--data-dir', join(dir, 'data')])).code).toBe(0);
        const std = (await run('go', ['tool', 'pprof', '-top', redacted], { env: { ...process.env, HOME: dir } })).stdout;
        expect(std).not.toContain(LEAVES[kind][2]);
      } finally {
        await workload.stop();
      }
    });
  }

  it('--strict redacts on the host: the saved capture never holds the sensitive name', async () => {
    const workload = await host.startWorkload('c', { seconds: 0, threads: 1 });
    try {
      const dataDir = join(dir, 'strict-data');
      const out = join(dir, 'strict.folded');
      const r = await cli(['capture', dest(host), '-i', host.facts.identityFile, '--known-hosts', join(dir, 'kh6'), '--data-dir', dataDir, '--seconds', '3', '--hz', '499', '--pid', String(workload.pid), '--strict', '--redact', 'none', '--folded', out], realEnv());
      expect(r.stderr).not.toMatch(/emberscope: /);
      expect(r.code).toBe(0);
      const lib = await cli(['library', 'list', '--json', '--data-dir', dataDir]);
      const summary = (JSON.parse(lib.stdout) as { id: string; redaction: string; samples: number }[])[0];
      expect(summary?.redaction).toMatch(/^strict \(on the host/);
      expect(summary?.samples).toBeGreaterThan(0);
      const folded = await readFile(out, 'utf8');
      expect(folded).not.toContain('spin_verify_session_token');
      expect(folded).not.toContain('session');
      const saved = await readFile(join(dataDir, 'library', `${summary?.id ?? ''}.pb.gz`));
      expect(gunzipSync(saved).includes(Buffer.from('spin_verify_session_token'))).toBe(false);
    } finally {
      await workload.stop();
    }
  });
});
