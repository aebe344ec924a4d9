// The OpenSSH transport against real sshd hosts, in what only the user's own ssh client can do or
// must do: a CA-signed user certificate as the only way in (TrustedUserCAKeys, no
// authorized_keys), a host certificate trusted through @cert-authority (and a @revoked key
// refused), an encrypted key answered through askpass from the Secret Service, a password login
// through askpass remembered there, ONE authentication for check + setup + capture run as three
// separate "CLI runs" (counted in sshd's log), a ProxyJump chain through a second sshd, and the
// transport choice (forced, automatic, no ssh). After each test nothing is left: no master or
// askpass socket, no helper, no ssh process.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { concat, encodeCount, encodeEnd, encodeHeader, encodeStack, encodeStats } from '../../../agent-remote/src/sampler/encode';
import { startTestHost, type TestHost } from '../../../scripts/test-host';
import { EmberError } from '../../../core/errors';
import { createServices, type ServicesInternals } from '../index';
import { closeAllMasters } from '../openssh-transport';
import { createSecretStore, keychainAccount } from '../secrets';
import { makeFixtureDist, type FixtureDist } from './fixture-dist';
import { anyFileContains, run, scriptedPrompts } from './helpers';
import { acceptedLogins, controlDirEntries, openWith, sshProcessesUsing, waitFor, type Opened } from './transport-contract';

let host: TestHost; // sudo nopasswd, password login allowed
let certHost: TestHost; // user certificates only, host certificate
let bastion: TestHost;
let dir: string;
let controlDir: string;
let dist: FixtureDist;
const service = `emberscope-test-${randomBytes(4).toString('hex')}`;
const secrets = createSecretStore(service);
const opened: Opened[] = [];
const services: ServicesInternals[] = [];
let n = 0;

async function failure(p: Promise<unknown>): Promise<EmberError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EmberError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

function hostBlock(alias: string, h: TestHost, lines: string[]): string {
  return [`Host ${alias}`, '  HostName 127.0.0.1', `  Port ${h.facts.port}`, `  User ${h.facts.user}`, '  IdentitiesOnly yes', '  IdentityAgent none', '  GlobalKnownHostsFile /dev/null', ...lines.map((l) => `  ${l}`), ''].join('\n');
}

/** A config of its own for one test; `known` is the known_hosts file's content. */
async function config(blocks: (kh: string) => string[], known = ''): Promise<{ config: string; dataDir: string; knownHosts: string }> {
  const sub = join(dir, `t${++n}`);
  await run('mkdir', ['-p', sub]);
  const knownHosts = join(sub, 'known_hosts');
  await writeFile(knownHosts, known);
  const file = join(sub, 'ssh_config');
  await writeFile(file, blocks(knownHosts).join('\n'));
  return { config: file, dataDir: join(sub, 'data'), knownHosts };
}

async function open(c: { config: string; dataDir: string }, alias: string, prompts = scriptedPrompts(), unknownHostKey: 'ask' | 'accept-new' | 'refuse' = 'accept-new'): Promise<Opened> {
  const conn = await openWith('openssh', { dataDir: c.dataDir, controlDir, config: c.config, alias, prompts, secrets, unknownHostKey });
  opened.push(conn);
  return conn;
}

async function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1');
    s.setTimeout(1000);
    s.once('data', (d) => {
      resolve(d.toString().startsWith('SSH-2.0'));
      s.destroy();
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      resolve(false);
      s.destroy();
    });
  });
}

/** Adds sshd_config lines (keywords the test host does not set) and has sshd re-read it. */
async function reconfigure(h: TestHost, lines: string[]): Promise<void> {
  await appendFile(join(h.facts.stateDir, 'sshd_config'), `${lines.join('\n')}\n`);
  await run('sshd', ['-t', '-f', join(h.facts.stateDir, 'sshd_config')]);
  process.kill(h.facts.sshdPid, 'SIGHUP');
  await new Promise((r) => setTimeout(r, 300));
  expect(await waitFor(() => banner(h.facts.port))).toBe(true);
}

/** A sampler stand-in for the capture: a header, then 10 samples every 100 ms until stdin closes. */
function scriptedSampler(): string {
  const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');
  const start = concat([encodeHeader({ hz: 99, ncpus: 2, samplerPid: 4242 }), encodeStack(1, 0, [0x401000n, 0x402000n])]);
  const tick = b64(concat([encodeCount({ tgid: 777, pid: 777, userStackId: 1, kernelStackId: -1, comm: 'scripted', count: 10 }), encodeStats({ interval: 1, samples: 10 })]));
  return `#!${process.execPath}
process.stdout.write(Buffer.from(${JSON.stringify(b64(start))}, 'base64'));
const timer = setInterval(() => process.stdout.write(Buffer.from(${JSON.stringify(tick)}, 'base64')), 100);
process.stdin.resume();
process.stdin.on('end', () => { clearInterval(timer); process.stdout.write(Buffer.from(${JSON.stringify(b64(encodeEnd(2)))}, 'base64'), () => process.exit(0)); });
`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-openssh-'));
  controlDir = join(dir, 'ctl');
  const sampler = join(dir, 'scripted-sampler');
  await writeFile(sampler, scriptedSampler(), { mode: 0o755 });
  dist = await makeFixtureDist({ sampler, version: '0.0.0-test' });
  [host, certHost, bastion] = await Promise.all([startTestHost({ sudo: 'nopasswd', password: true }), startTestHost(), startTestHost({ tcpForwarding: true })]);

  // certHost: logins only with a certificate of the user CA; its host key certified by the host CA.
  for (const name of ['user_ca', 'host_ca']) await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
  const hostKey = join(certHost.facts.stateDir, 'ssh_host_ed25519_key');
  await run('ssh-keygen', ['-q', '-s', join(dir, 'host_ca'), '-I', 'test-host', '-h', '-n', '127.0.0.1', '-V', '-5m:+1h', `${hostKey}.pub`]);
  await reconfigure(certHost, [`TrustedUserCAKeys ${join(dir, 'user_ca.pub')}`, 'AuthorizedKeysFile none', `HostCertificate ${hostKey}-cert.pub`]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'certified', '-f', join(dir, 'certified')]);
  await run('ssh-keygen', ['-q', '-s', join(dir, 'user_ca'), '-I', 'test-user', '-n', certHost.facts.user, '-V', '-5m:+1h', join(dir, 'certified.pub')]);
}, 300_000);

afterEach(async () => {
  for (const c of opened.splice(0)) c.shell.close();
  for (const s of services.splice(0)) await s.close();
  await closeAllMasters();
  expect(await waitFor(async () => (await sshProcessesUsing(controlDir)).length === 0)).toBe(true);
  expect(await controlDirEntries(controlDir)).toEqual([]);
});

afterAll(async () => {
  try {
    if (existsSync('/usr/local/libexec/emberscope/0.0.0-test')) {
      await rm('/usr/local/libexec/emberscope', { recursive: true, force: true });
      await run('groupdel', ['emberscope']).catch(() => undefined);
    }
  } finally {
    await host?.stop();
    await certHost?.stop();
    await bastion?.stop();
    await rm(dir, { recursive: true, force: true });
    if (dist) await rm(dist.dir, { recursive: true, force: true });
  }
});

describe('certificates', () => {
  it('logs in with a CA-signed user certificate where no authorized_keys exists (the built-in transport cannot)', async () => {
    const hostCa = (await readFile(join(dir, 'host_ca.pub'), 'utf8')).trim();
    const c = await config((kh) => [hostBlock('certified', certHost, [`IdentityFile ${join(dir, 'certified')}`, `UserKnownHostsFile ${kh}`]), hostBlock('plainkey', certHost, [`IdentityFile ${certHost.facts.identityFile}`, `UserKnownHostsFile ${kh}`])], `@cert-authority [127.0.0.1]:${certHost.facts.port} ${hostCa}\n`);
    const conn = await open(c, 'certified', scriptedPrompts(), 'refuse');
    expect((await conn.shell.exec('id -un')).stdout.trim()).toBe(certHost.facts.user);
    // The same host with the plain (uncertified) key of the user: no way in.
    expect((await failure(open(c, 'plainkey', scriptedPrompts(), 'refuse'))).code).toBe('AUTH_FAILED');
    const builtin = await failure(openWith('builtin', { dataDir: c.dataDir, controlDir, config: c.config, alias: 'certified', prompts: scriptedPrompts(), secrets, unknownHostKey: 'accept-new' }));
    expect(builtin.code).toBe('AUTH_FAILED');
    expect(builtin.message).toMatch(/certificate/);
  });

  it('trusts a host certificate through @cert-authority with no question; a @revoked key is refused', async () => {
    const hostCa = (await readFile(join(dir, 'host_ca.pub'), 'utf8')).trim();
    const prompts = scriptedPrompts();
    const c = await config((kh) => [hostBlock('certified', certHost, [`IdentityFile ${join(dir, 'certified')}`, `UserKnownHostsFile ${kh}`])], `@cert-authority [127.0.0.1]:${certHost.facts.port} ${hostCa}\n`);
    const conn = await open(c, 'certified', prompts, 'ask');
    expect(prompts.log.hostKeys).toEqual([]);
    expect(conn.fingerprint).toBe(certHost.facts.hostKeyFingerprint);
    conn.shell.close();
    await closeAllMasters();
    await appendFile(c.knownHosts, `@revoked * ${certHost.facts.hostPublicKey}\n`);
    const e = await failure(open(c, 'certified', prompts, 'accept-new'));
    expect(e.code).toBe('HOST_KEY_CHANGED');
    expect(e.message).toMatch(/revoked/);
  });
});

describe('questions through askpass', () => {
  it("answers an encrypted key's passphrase from the keychain: no question, never in argv, environment or a file", async () => {
    const keyPath = join(dir, 'id_encrypted');
    const passphrase = `pp-${randomBytes(9).toString('hex')}`;
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', keyPath, '-C', 'enc']);
    const auth = join(host.facts.home, '.ssh', 'authorized_keys');
    await appendFile(auth, await readFile(`${keyPath}.pub`, 'utf8'));
    await chown(auth, host.facts.uid, host.facts.uid);
    const account = keychainAccount('passphrase', keyPath);
    const c = await config((kh) => [hostBlock('enc', host, [`IdentityFile ${keyPath}`, `UserKnownHostsFile ${kh}`])]);

    // First: asked (the keychain holds a wrong one), remembered on request.
    await secrets.set(account, 'not-the-passphrase');
    const asked = scriptedPrompts({ passphrase: { secret: passphrase, remember: true } });
    const first = await open(c, 'enc', asked);
    expect(asked.log.passphrases).toEqual([keyPath]);
    expect((await run('secret-tool', ['lookup', 'service', service, 'username', account])).stdout).toBe(passphrase);
    first.shell.close();
    await closeAllMasters();

    // Then: from the keychain, no question.
    const silent = scriptedPrompts();
    const conn = await open(c, 'enc', silent);
    expect(silent.log.passphrases).toEqual([]);
    expect((await conn.shell.exec('id -un')).stdout.trim()).toBe(host.facts.user);
    for (const proc of await readdir('/proc')) {
      if (!/^\d+$/.test(proc)) continue;
      const cmdline = await readFile(`/proc/${proc}/cmdline`).catch(() => Buffer.alloc(0));
      if (!cmdline.includes(Buffer.from('ssh'))) continue;
      const environ = await readFile(`/proc/${proc}/environ`).catch(() => Buffer.alloc(0));
      expect(cmdline.includes(Buffer.from(passphrase))).toBe(false);
      expect(environ.includes(Buffer.from(passphrase))).toBe(false);
    }
    expect(await anyFileContains(dir, passphrase)).toBeUndefined();
    expect(await secrets.delete(account)).toBe(true);
  });

  it('logs in with a password through askpass, remembered in the keychain for the next login', async () => {
    const c = await config((kh) => [hostBlock('pw', host, ['IdentityFile /nonexistent/key', `UserKnownHostsFile ${kh}`])]);
    const prompts = scriptedPrompts({ password: { secret: host.facts.password ?? '', remember: true } });
    (await open(c, 'pw', prompts)).shell.close();
    await closeAllMasters();
    expect(prompts.log.passwords).toEqual([`login:${host.facts.user}`]);
    const account = keychainAccount('password', `${host.facts.user}@127.0.0.1:${host.facts.port}`);
    expect((await run('secret-tool', ['lookup', 'service', service, 'username', account])).stdout).toBe(host.facts.password);
    const silent = scriptedPrompts();
    const conn = await open(c, 'pw', silent);
    expect(silent.log.passwords).toEqual([]);
    expect((await conn.shell.exec('id -un')).stdout.trim()).toBe(host.facts.user);
    expect(await secrets.delete(account)).toBe(true);
  });
});

describe('one master connection', () => {
  it('check, setup and capture as three separate runs share ONE authentication (sshd counts one accepted login)', async () => {
    const c = await config((kh) => [hostBlock('one', host, [`IdentityFile ${host.facts.identityFile}`, `UserKnownHostsFile ${kh}`])]);
    const log = join(host.facts.stateDir, 'sshd.log');
    const before = acceptedLogins(await readFile(log, 'utf8'), host.facts.user);
    // Each "run" its own services, as three `emberscope` commands would be (masters kept for ControlPersist).
    const runOnce = async <T>(fn: (s: ServicesInternals) => Promise<T>): Promise<T> => {
      const s = createServices({ dataDir: c.dataDir, sshConfigPath: c.config, distDir: dist.dir, userKnownHosts: [], keychainService: service, keepMasters: true, controlDir, sshTransport: 'openssh' });
      try {
        return await fn(s);
      } finally {
        await s.close();
      }
    };
    const report = await runOnce(async (s) => {
      const session = await s.connect('one', scriptedPrompts(), { unknownHostKey: 'accept-new' });
      expect(session.info.transport).toBe('openssh');
      try {
        return await session.check();
      } finally {
        await session.close();
      }
    });
    expect(report.user).toBe(host.facts.user);
    const setup = await runOnce(async (s) => {
      const session = await s.connect('one', scriptedPrompts());
      try {
        return await session.runSetup({ kernelSymbols: false, allowSysAdmin: false });
      } finally {
        await session.close();
      }
    });
    expect(setup.ok).toBe(true);
    const result = await runOnce(async (s) => {
      const session = await s.connect('one', scriptedPrompts());
      try {
        const handle = await s.capture.start(session, { hz: 99, seconds: 0, target: { kind: 'all' }, strict: false, title: 'one login' });
        await waitFor(() => handle.profile().meta.sampleCount > 0, 20_000);
        const r = await handle.stop();
        await session.uninstall();
        return r;
      } finally {
        await session.close();
      }
    });
    expect(result.summary.samples).toBeGreaterThan(0);
    expect(acceptedLogins(await readFile(log, 'utf8'), host.facts.user) - before).toBe(1);
    expect(existsSync('/usr/local/libexec/emberscope/0.0.0-test')).toBe(false);
    await run('sh', ['-c', `rm -rf ${host.facts.home}/.cache/emberscope`]);
  });

  it('follows a ProxyJump chain through a second sshd, asking for both host keys', async () => {
    const c = await config((kh) => [
      hostBlock('jb', bastion, [`IdentityFile ${bastion.facts.identityFile}`, `UserKnownHostsFile ${kh}`]),
      hostBlock('behind', host, [`IdentityFile ${host.facts.identityFile}`, `UserKnownHostsFile ${kh}`, 'ProxyJump jb']),
    ]);
    const prompts = scriptedPrompts({ hostKey: true });
    const conn = await open(c, 'behind', prompts, 'ask');
    expect(prompts.log.hostKeys).toEqual([bastion.facts.hostKeyFingerprint, host.facts.hostKeyFingerprint]);
    expect((await conn.shell.exec('echo $SSH_CONNECTION')).stdout).toContain(`127.0.0.1 ${host.facts.port}`);
    expect(acceptedLogins(await readFile(join(bastion.facts.stateDir, 'sshd.log'), 'utf8'), bastion.facts.user)).toBe(1);
  });
});

describe('transport choice', () => {
  it('uses ssh2 by default, OpenSSH when asked or (auto) where ssh exists, ssh2 when no ssh client is there; the host list says which', async () => {
    const c = await config((kh) => [hostBlock('choice', host, [`IdentityFile ${host.facts.identityFile}`, `UserKnownHostsFile ${kh}`])]);
    const make = (extra: Parameters<typeof createServices>[0]): ServicesInternals => {
      const s = createServices({ dataDir: c.dataDir, sshConfigPath: c.config, distDir: dist.dir, userKnownHosts: [], keychainService: service, controlDir, ...extra });
      services.push(s);
      return s;
    };
    for (const [extra, want] of [
      [{}, 'builtin'],
      [{ sshTransport: 'auto' as const }, 'openssh'],
      [{ sshTransport: 'openssh' as const }, 'openssh'],
      [{ sshTransport: 'auto' as const, sshPath: join(dir, 'no-such-ssh') }, 'builtin'],
    ] as const) {
      const s = make(extra);
      const session = await s.connect('choice', scriptedPrompts(), { unknownHostKey: 'accept-new' });
      expect(session.info.transport).toBe(want);
      expect((await s.hosts.list()).find((h) => h.id === 'ssh:choice')?.transport).toBe(want);
      await session.close();
    }
  });
});
