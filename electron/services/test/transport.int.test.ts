// One contract, both transports (ssh2 built-in and the user's OpenSSH client), against a real
// sshd with AllowTcpForwarding no: connect, exec, verified upload, agent stream, questions
// (unknown host key by fingerprint, password), a changed host key refused, a cut connection
// noticed. After each test nothing is left: no master socket, askpass socket or helper, no ssh
// process.
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../../scripts/test-host';
import { EmberError } from '../../../core/errors';
import { ensureFile, preflight } from '../deploy';
import { closeAllMasters } from '../openssh-transport';
import { createSecretStore } from '../secrets';
import { run, scriptedPrompts } from './helpers';
import { controlDirEntries, openWith, sshdSessionPids, sshProcessesUsing, TRANSPORTS, waitFor, type Opened, type TransportKind } from './transport-contract';

let host: TestHost;
let dir: string;
let controlDir: string;
const secrets = createSecretStore(`emberscope-test-${randomBytes(4).toString('hex')}`);
const opened: Opened[] = [];
let n = 0;

/** A fresh ssh_config (own known_hosts file) for one test. */
async function freshConfig(extra: string[] = [], known = '', key = true): Promise<{ config: string; dataDir: string; knownHosts: string }> {
  const sub = join(dir, `t${++n}`);
  await mkdir(sub, { recursive: true });
  const knownHosts = join(sub, 'known_hosts');
  await writeFile(knownHosts, known);
  const config = join(sub, 'ssh_config');
  await writeFile(
    config,
    [
      'Host contract',
      '  HostName 127.0.0.1',
      `  Port ${host.facts.port}`,
      `  User ${host.facts.user}`,
      ...extra.map((l) => `  ${l}`),
      ...(key ? [`  IdentityFile ${host.facts.identityFile}`] : []),
      '  IdentitiesOnly yes',
      '  IdentityAgent none',
      `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '',
    ].join('\n'),
  );
  return { config, dataDir: join(sub, 'data'), knownHosts };
}

async function open(kind: TransportKind, c: { config: string; dataDir: string }, o: { prompts?: ReturnType<typeof scriptedPrompts>; unknownHostKey?: 'ask' | 'accept-new' | 'refuse' } = {}): Promise<Opened> {
  const conn = await openWith(kind, { dataDir: c.dataDir, controlDir, config: c.config, alias: 'contract', prompts: o.prompts ?? scriptedPrompts(), secrets, unknownHostKey: o.unknownHostKey ?? 'accept-new' });
  opened.push(conn);
  return conn;
}

async function failure(p: Promise<unknown>): Promise<EmberError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EmberError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-transport-'));
  controlDir = join(dir, 'ctl');
  host = await startTestHost({ password: true });
  // The contract runs where sshd forbids forwarding: nothing of it may need a forwarded channel.
  expect(await readFile(join(host.facts.stateDir, 'sshd_config'), 'utf8')).toMatch(/^AllowTcpForwarding no$/m);
});

afterEach(async () => {
  for (const c of opened.splice(0)) c.shell.close();
  await closeAllMasters();
  expect(await waitFor(async () => (await sshProcessesUsing(controlDir)).length === 0)).toBe(true);
  expect(await controlDirEntries(controlDir)).toEqual([]);
});

afterAll(async () => {
  await host?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe.each(TRANSPORTS)('transport contract: %s', (kind) => {
  it('asks about an unknown host key by its fingerprint: declined → HOST_KEY_UNKNOWN, confirmed → known next time', async () => {
    const c = await freshConfig();
    const declined = scriptedPrompts({ hostKey: false });
    const e = await failure(open(kind, c, { prompts: declined, unknownHostKey: 'ask' }));
    expect(e.code).toBe('HOST_KEY_UNKNOWN');
    expect(declined.log.hostKeys).toEqual([host.facts.hostKeyFingerprint]);

    const yes = scriptedPrompts({ hostKey: true });
    const conn = await open(kind, c, { prompts: yes, unknownHostKey: 'ask' });
    expect(yes.log.hostKeys).toEqual([host.facts.hostKeyFingerprint]);
    expect(conn.fingerprint).toBe(host.facts.hostKeyFingerprint);
    conn.shell.close();
    await closeAllMasters();
    const silent = scriptedPrompts();
    const again = await open(kind, c, { prompts: silent, unknownHostKey: 'ask' });
    expect(silent.log.hostKeys).toEqual([]);
    expect((await again.shell.exec('id -un')).stdout.trim()).toBe(host.facts.user);
  });

  it('refuses a changed host key with HOST_KEY_CHANGED and the fingerprint the host sent', async () => {
    const other = (await run('ssh-keygen', ['-y', '-f', join(host.facts.stateDir, 'id_ed25519')])).stdout.trim().split(' ').slice(0, 2).join(' ');
    const c = await freshConfig([], `[127.0.0.1]:${host.facts.port} ${other}\n`);
    const e = await failure(open(kind, c, { unknownHostKey: 'accept-new' }));
    expect(e.code).toBe('HOST_KEY_CHANGED');
    expect(e.message).toContain(host.facts.hostKeyFingerprint);
    expect(e.message).toMatch(/man-in-the-middle/);
  });

  it('runs commands: stdout, stderr, exit status, stdin, and a death by signal', async () => {
    const conn = await open(kind, await freshConfig());
    const r = await conn.shell.exec('id -un; echo oops >&2; exit 3');
    expect(r).toMatchObject({ code: 3, stdout: `${host.facts.user}\n`, stderr: 'oops\n' });
    expect((await conn.shell.exec('cat', { stdin: 'from stdin' })).stdout).toBe('from stdin');
    const killed = await conn.shell.exec(`sh -c 'kill -KILL $$'`);
    expect(killed.signal).toBe('SIGKILL');
    const timedOut = await failure(conn.shell.exec('sleep 30', { timeoutMs: 500 }));
    expect(timedOut.code).toBe('CONNECTION_LOST');
  });

  it('uploads a file that deploy verifies by SHA-256 on the host; a wrong hash is refused and removed', async () => {
    const conn = await open(kind, await freshConfig());
    const facts = await preflight(conn.shell);
    const local = join(dir, `payload-${kind}`);
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(local, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const progress: number[] = [];
    const path = await ensureFile(conn.shell, facts, { fileName: 'payload', localPath: local, sha256 }, 0o400, (p) => progress.push(p.transferred));
    expect(progress.at(-1)).toBe(bytes.length);
    const check = await conn.shell.exec(`sha256sum ${path}; stat -c %a ${path}`);
    expect(check.stdout).toContain(sha256);
    expect(check.stdout.trim().split('\n')[1]).toBe('400');
    const wrong = await failure(ensureFile(conn.shell, facts, { fileName: 'payload2', localPath: local, sha256: '0'.repeat(64) }, 0o400, () => undefined));
    expect(wrong.code).toBe('ARTIFACT_MISMATCH');
    expect((await conn.shell.exec(`ls ${facts.home}/.cache/emberscope/${'0'.repeat(64)}/`)).stdout.trim()).toBe('');
    await conn.shell.exec(`rm -rf ${facts.home}/.cache/emberscope`);
  });

  it("carries an agent stream's bytes both ways and reports how it ended", async () => {
    const conn = await open(kind, await freshConfig());
    const exits: { code: number | null; signal: string | null | undefined }[] = [];
    const logs: string[] = [];
    const stream = await conn.shell.agentStream('echo started >&2; exec cat', (l) => logs.push(l), (code, signal) => exits.push({ code, signal }))();
    const echoed = new Promise<string>((resolve) => stream.once('data', (d: Buffer) => resolve(d.toString())));
    stream.write('ping');
    expect(await echoed).toBe('ping');
    stream.end();
    expect(await waitFor(() => exits.length === 1)).toBe(true);
    expect(exits[0]).toMatchObject({ code: 0 });
    expect(logs).toContain('started');

    const killed = await conn.shell.agentStream(`sh -c 'kill -KILL $$'`, () => undefined, (code, signal) => exits.push({ code, signal }))();
    killed.resume();
    expect(await waitFor(() => exits.length === 2)).toBe(true);
    expect(exits[1]?.signal).toBe('KILL');
  });

  it('logs in with a password asked through the prompt', async () => {
    const c = await freshConfig(['IdentityFile /nonexistent/key'], '', false);
    const prompts = scriptedPrompts({ password: { secret: host.facts.password ?? '', remember: false } });
    const conn = await open(kind, c, { prompts });
    expect(prompts.log.passwords).toEqual([`login:${host.facts.user}`]);
    expect((await conn.shell.exec('id -un')).stdout.trim()).toBe(host.facts.user);
  });

  it('notices a cut connection: closed resolves with an error, later commands fail with CONNECTION_LOST', async () => {
    const conn = await open(kind, await freshConfig());
    expect((await conn.shell.exec('true')).code).toBe(0);
    const pids = await sshdSessionPids(host.facts.user);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const closed = await Promise.race([conn.shell.closed, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(closed).toBeInstanceOf(Error);
    const e = await failure(conn.shell.exec('true'));
    expect(e.code).toBe('CONNECTION_LOST');
  });
});
