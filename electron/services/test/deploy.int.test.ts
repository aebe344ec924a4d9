// Deploy and host setup against a real sshd test host: uploads into ~/.cache/emberscope/<sha>/,
// on-host SHA-256 checks (tampered agent never executed, tampered files replaced), a host
// without Node gets the pinned runtime, setup's exact caps/owner/mode, uninstall leaves nothing.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGetcapLine } from '../../../core/warnings';
import { startTestHost, type TestHost } from '../../../scripts/test-host';
import { createServices, type ServicesInternals } from '../index';
import type { HostSession } from '../session';
import { makeFixtureDist, type FixtureDist } from './fixture-dist';
import { anyFileContains, scriptedPrompts } from './helpers';

const run = promisify(execFile);
let host: TestHost;
let dist: FixtureDist;
let dir: string;
let services: ServicesInternals;
const samplerMarker = join('/tmp', `emberscope-sampler-ran-${process.pid}`);

const dest = (h: TestHost): string => `${h.facts.user}@127.0.0.1:${h.facts.port}`;
const connect = async (s: ServicesInternals, h: TestHost, prompts = scriptedPrompts()): Promise<HostSession> =>
  (await s.connect(dest(h), prompts, { identityFile: h.facts.identityFile, unknownHostKey: 'accept-new' })) as HostSession;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-deploy-'));
  // The sampler stand-in leaves a marker if it ever runs (it must not: it is tampered before use).
  const stand = join(dir, 'stand-in-sampler');
  await writeFile(stand, `#!/bin/sh\ntouch ${samplerMarker}\n`, { mode: 0o755 });
  dist = await makeFixtureDist({ sampler: stand });
  host = await startTestHost({ sudo: 'nopasswd' });
  services = createServices({ dataDir: join(dir, 'data'), distDir: dist.dir, userKnownHosts: [], keychainService: 'emberscope-test' });
});

afterAll(async () => {
  await services?.close();
  // Leave nothing: the setup tests uninstall; this is the safety net.
  if (existsSync('/usr/local/libexec/emberscope/0.0.0-test')) {
    await rm('/usr/local/libexec/emberscope', { recursive: true, force: true });
    await run('groupdel', ['emberscope']).catch(() => undefined);
  }
  await host?.stop();
  await rm(dir, { recursive: true, force: true });
  await rm(samplerMarker, { force: true });
  await rm(dist.dir, { recursive: true, force: true });
});

describe('deploy', () => {
  it('uploads into ~/.cache/emberscope/<sha256>/ (0700), verifies on the host and reuses', async () => {
    const session = await connect(services, host);
    const uploads: string[] = [];
    session.onUpload((p) => uploads.push(p.file));
    const d = await session.deployed();
    expect(d.agentPath).toBe(`${host.facts.home}/.cache/emberscope/${dist.agentSha}/agent.cjs`);
    expect(d.samplerCachePath).toBe(`${host.facts.home}/.cache/emberscope/${dist.samplerSha}/emberscope-sampler`);
    expect(new Set(uploads)).toEqual(new Set(['agent.cjs', 'emberscope-sampler']));
    const { stdout } = await run('stat', ['-c', '%a %U', `${host.facts.home}/.cache/emberscope`, `${host.facts.home}/.cache/emberscope/${dist.agentSha}`]);
    expect(stdout.trim().split('\n')).toEqual([`700 ${host.facts.user}`, `700 ${host.facts.user}`]);
    const report = await session.check();
    expect(report.setupInstalled).toBe(false);
    expect(report.kernel).toMatch(/^\d+\.\d+/);
    await session.close();
    // Second connection: nothing uploaded again.
    const again = await connect(services, host);
    const more: string[] = [];
    again.onUpload((p) => more.push(p.file));
    await again.deployed();
    expect(more).toEqual([]);
    await again.close();
  });

  it('never executes a tampered agent, and replaces tampered cached files', async () => {
    const session = await connect(services, host);
    const d = await session.deployed();
    const marker = join(host.facts.home, 'tampered-agent-ran');
    // Swap the verified bundle for one that would leave a marker if it ever ran.
    await writeFile(d.agentPath, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    await expect(session.openAgent()).rejects.toMatchObject({ code: 'ARTIFACT_MISMATCH' });
    expect(existsSync(marker)).toBe(false);
    await session.close();
    // The next deploy finds the mismatch, removes the file and uploads the right one.
    await appendFile(d.samplerCachePath, 'x');
    const fresh = await connect(services, host);
    const uploads: string[] = [];
    fresh.onUpload((p) => uploads.push(p.file));
    await fresh.check();
    expect(new Set(uploads)).toEqual(new Set(['agent.cjs', 'emberscope-sampler']));
    expect(existsSync(marker)).toBe(false);
    await fresh.close();
  });

  it('a host without Node gets the pinned runtime and runs the agent with it', async () => {
    const noNode = createServices({ dataDir: join(dir, 'data2'), distDir: dist.dir, userKnownHosts: [], keychainService: 'emberscope-test', nodeSearchPath: '/nonexistent' });
    const session = (await noNode.connect(dest(host), scriptedPrompts(), { identityFile: host.facts.identityFile, unknownHostKey: 'accept-new' })) as HostSession;
    expect(session.facts.nodePath).toBe('');
    const d = await session.deployed();
    expect(d.nodeSource).toBe('uploaded');
    expect(d.node).toMatch(new RegExp(`^${host.facts.home}/\\.cache/emberscope/[0-9a-f]{64}/package/bin/node$`));
    const agent = await session.openAgent();
    const hello = await agent.hello();
    expect(hello.host?.nodeVersion).toMatch(/^v22\./);
    await agent.close();
    await noNode.close();
  }, 300_000);
});

describe('host setup', () => {
  it('installs exactly root:emberscope 0750 with cap_bpf,cap_perfmon=ep, and uninstall removes everything', async () => {
    const session = await connect(services, host);
    const plan = await session.setupPlan({ kernelSymbols: false, allowSysAdmin: false });
    expect(plan.via).toBe('sudo-n');
    expect(plan.commands.join('\n')).toContain('setcap cap_bpf,cap_perfmon=ep /usr/local/libexec/emberscope/0.0.0-test/emberscope-sampler');
    const steps: string[] = [];
    const result = await session.runSetup({ kernelSymbols: false, allowSysAdmin: false }, (p) => steps.push(p.message));
    expect(steps).toEqual(plan.commands);
    expect(result.report.join('\n')).not.toContain('expected');
    expect(result.ok).toBe(true);
    const path = '/usr/local/libexec/emberscope/0.0.0-test/emberscope-sampler';
    const caps = parseGetcapLine((await run('getcap', [path])).stdout);
    expect([...caps.permitted].sort()).toEqual(['cap_bpf', 'cap_perfmon']);
    expect(caps.effective).toBe(true);
    expect(caps.inheritable).toEqual([]);
    expect((await run('stat', ['-c', '%U:%G:%a', path])).stdout.trim()).toBe('root:emberscope:750');
    expect((await run('id', ['-Gn', host.facts.user])).stdout).toContain('emberscope');
    const check = await session.check();
    expect(check.setupInstalled).toBe(true);
    // A tampered installed sampler is never run by a capture.
    await appendFile(path, '# tampered\n');
    await expect(services.capture.start(session, { hz: 99, seconds: 1, target: { kind: 'all' }, strict: false })).rejects.toMatchObject({ code: 'ARTIFACT_MISMATCH' });
    expect(existsSync(samplerMarker)).toBe(false);
    const un = await session.uninstall();
    expect(un.report).toEqual(['nothing of Emberscope remains on the host']);
    expect(un.ok).toBe(true);
    expect(existsSync('/usr/local/libexec/emberscope')).toBe(false);
    await expect(run('getent', ['group', 'emberscope'])).rejects.toThrow();
    expect(existsSync(`${host.facts.home}/.cache/emberscope`)).toBe(false);
    await session.close();
  });

  it('uses sudo -S with the asked password (never in argv or a file)', async () => {
    const h2 = await startTestHost({ sudo: 'password' });
    try {
      const prompts = scriptedPrompts({ password: { secret: h2.facts.password ?? '', remember: false } });
      const session = await connect(services, h2, prompts);
      const plan = await session.setupPlan({ kernelSymbols: true, allowSysAdmin: false });
      expect(plan.via).toBe('sudo-S');
      expect(plan.commands.join('\n')).toContain('cap_bpf,cap_perfmon,cap_syslog=ep');
      const result = await session.runSetup({ kernelSymbols: true, allowSysAdmin: false });
      expect(result.ok).toBe(true);
      expect(prompts.log.passwords).toEqual([`sudo:${h2.facts.user}`]);
      const un = await session.uninstall();
      expect(un.ok).toBe(true);
      await session.close();
      expect(await anyFileContains(join(dir, 'data'), h2.facts.password ?? '')).toBeUndefined();
    } finally {
      await rm('/usr/local/libexec/emberscope', { recursive: true, force: true });
      await h2.stop();
    }
  });
});
