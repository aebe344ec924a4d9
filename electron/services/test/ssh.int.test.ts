// SSH against real throwaway sshd hosts: host keys (unknown, accept-new, changed, hashed),
// ProxyJump through a bastion, password login, an encrypted key whose passphrase is remembered
// in the Secret Service and never written to a file.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, appendFile, chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../../scripts/test-host';
import { EmberError } from '../../../core/errors';
import { KnownHostsStore } from '../known-hosts-store';
import { createSecretStore, keychainAccount } from '../secrets';
import { connectRoute, execCommand, type SshDeps, type SshEndpoint } from '../ssh';
import { anyFileContains, run, scriptedPrompts } from './helpers';

let host: TestHost;
let bastion: TestHost;
let dir: string;
const service = `emberscope-test-${randomBytes(4).toString('hex')}`;
const secrets = createSecretStore(service);

function endpoint(h: TestHost, extra: Partial<SshEndpoint> = {}): SshEndpoint {
  return { label: 'test', host: h.facts.host, port: h.facts.port, user: h.facts.user, identityFiles: [h.facts.identityFile], identitiesOnly: true, ...extra };
}

function deps(store: KnownHostsStore, over: Partial<SshDeps> = {}): SshDeps {
  return { knownHosts: store, secrets, prompts: scriptedPrompts(), unknownHostKey: 'refuse', timeoutMs: 10_000, log: () => undefined, ...over };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof EmberError ? e.code : `raw:${String(e)}`;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-ssh-'));
  host = await startTestHost({ password: true });
  bastion = await startTestHost({ tcpForwarding: true });
});

afterAll(async () => {
  await host?.stop();
  await bastion?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('host keys', () => {
  it('refuses an unknown key without confirmation, accepts it when confirmed and writes it', async () => {
    const store = new KnownHostsStore(join(dir, 'a', 'known_hosts'), []);
    expect(await codeOf(connectRoute({ jumps: [], target: endpoint(host) }, deps(store)))).toBe('HOST_KEY_UNKNOWN');
    const declined = scriptedPrompts({ hostKey: false });
    expect(await codeOf(connectRoute({ jumps: [], target: endpoint(host) }, deps(store, { unknownHostKey: 'ask', prompts: declined })))).toBe('HOST_KEY_UNKNOWN');
    expect(declined.log.hostKeys).toEqual([host.facts.hostKeyFingerprint]);

    const prompts = scriptedPrompts({ hostKey: true });
    const conn = await connectRoute({ jumps: [], target: endpoint(host) }, deps(store, { unknownHostKey: 'ask', prompts }));
    expect(conn.fingerprint).toBe(host.facts.hostKeyFingerprint);
    const r = await execCommand(conn.client, 'id -un');
    expect(r.stdout.trim()).toBe(host.facts.user);
    conn.close();
    expect((await readFile(store.appFile, 'utf8')).trim()).toBe(host.facts.knownHostsLine);
    // Known now: no question asked the second time.
    const again = await connectRoute({ jumps: [], target: endpoint(host) }, deps(store));
    again.close();
  });

  it('accept-new writes the key; a hashed entry in the user file is honoured', async () => {
    const store = new KnownHostsStore(join(dir, 'b', 'known_hosts'), []);
    const conn = await connectRoute({ jumps: [], target: endpoint(host) }, deps(store, { unknownHostKey: 'accept-new' }));
    conn.close();
    const userFile = join(dir, 'user_known_hosts');
    await writeFile(userFile, `${host.facts.knownHostsLine}\n`);
    await run('ssh-keygen', ['-H', '-f', userFile]);
    expect(await readFile(userFile, 'utf8')).toMatch(/^\|1\|/);
    const hashedOnly = new KnownHostsStore(join(dir, 'c', 'known_hosts'), [userFile]);
    const c2 = await connectRoute({ jumps: [], target: endpoint(host) }, deps(hashedOnly));
    c2.close();
  });

  it('refuses a changed key even with accept-new, until the old key is removed explicitly', async () => {
    const store = new KnownHostsStore(join(dir, 'd', 'known_hosts'), []);
    const other = (await run('ssh-keygen', ['-y', '-f', bastion.facts.stateDir + '/ssh_host_ed25519_key'])).stdout.trim().split(' ').slice(0, 2).join(' ');
    await store.add('127.0.0.1', host.facts.port, Buffer.from(other.split(' ')[1] ?? '', 'base64'));
    const err = await connectRoute({ jumps: [], target: endpoint(host) }, deps(store, { unknownHostKey: 'accept-new' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmberError);
    expect((err as EmberError).code).toBe('HOST_KEY_CHANGED');
    expect((err as EmberError).message).toMatch(/man-in-the-middle/);
    expect(await store.remove('127.0.0.1', host.facts.port)).toBe(1);
    const conn = await connectRoute({ jumps: [], target: endpoint(host) }, deps(store, { unknownHostKey: 'accept-new' }));
    conn.close();
  });
});

describe('routes and authentication', () => {
  it('connects through a ProxyJump bastion, checking both host keys', async () => {
    const store = new KnownHostsStore(join(dir, 'e', 'known_hosts'), []);
    const prompts = scriptedPrompts({ hostKey: true });
    const conn = await connectRoute({ jumps: [endpoint(bastion, { label: 'bastion' })], target: endpoint(host) }, deps(store, { unknownHostKey: 'ask', prompts }));
    expect(prompts.log.hostKeys).toEqual([bastion.facts.hostKeyFingerprint, host.facts.hostKeyFingerprint]);
    const r = await execCommand(conn.client, 'echo $SSH_CONNECTION');
    expect(r.stdout).toContain('127.0.0.1');
    conn.close();
  });

  it('follows a ProxyJump chain of two bastions', async () => {
    const bastion2 = await startTestHost({ tcpForwarding: true });
    try {
      const store = new KnownHostsStore(join(dir, 'e2', 'known_hosts'), []);
      const conn = await connectRoute(
        { jumps: [endpoint(bastion, { label: 'b1' }), endpoint(bastion2, { label: 'b2' })], target: endpoint(host) },
        deps(store, { unknownHostKey: 'accept-new' }),
      );
      expect((await execCommand(conn.client, 'id -un')).stdout.trim()).toBe(host.facts.user);
      conn.close();
      expect((await readFile(store.appFile, 'utf8')).trim().split('\n')).toHaveLength(3);
    } finally {
      await bastion2.stop();
    }
  });

  it('reports an unreachable host and failed authentication with their codes', async () => {
    const store = new KnownHostsStore(join(dir, 'f', 'known_hosts'), []);
    expect(await codeOf(connectRoute({ jumps: [], target: endpoint(host, { port: 1 }) }, deps(store)))).toBe('HOST_UNREACHABLE');
    expect(await codeOf(connectRoute({ jumps: [], target: endpoint(host, { identityFiles: ['/nonexistent'] }) }, deps(store, { unknownHostKey: 'accept-new' })))).toBe('AUTH_FAILED');
  });

  it('logs in with a password asked through the prompt', async () => {
    const store = new KnownHostsStore(join(dir, 'g', 'known_hosts'), []);
    const prompts = scriptedPrompts({ password: { secret: host.facts.password ?? '', remember: false } });
    const conn = await connectRoute({ jumps: [], target: endpoint(host, { identityFiles: ['/nonexistent'] }) }, deps(store, { unknownHostKey: 'accept-new', prompts }));
    expect(prompts.log.passwords).toEqual([`login:${host.facts.user}`]);
    conn.close();
  });

  it("remembers an encrypted key's passphrase in the Secret Service, never in a file", async () => {
    expect((await secrets.status()).available).toBe(true);
    const dataDir = join(dir, 'data');
    const keyPath = join(dir, 'id_encrypted');
    const passphrase = `pp-${randomBytes(9).toString('hex')}`;
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', keyPath, '-C', 'enc']);
    const auth = join(host.facts.home, '.ssh', 'authorized_keys');
    await appendFile(auth, await readFile(`${keyPath}.pub`, 'utf8'));
    await chown(auth, host.facts.uid, host.facts.uid);
    const store = new KnownHostsStore(join(dataDir, 'known_hosts'), []);
    const prompts = scriptedPrompts({ passphrase: { secret: passphrase, remember: true } });
    const conn = await connectRoute({ jumps: [], target: endpoint(host, { identityFiles: [keyPath] }) }, deps(store, { unknownHostKey: 'accept-new', prompts }));
    conn.close();
    expect(prompts.log.passphrases).toEqual([keyPath]);
    const account = keychainAccount('passphrase', keyPath);
    const { stdout } = await run('secret-tool', ['lookup', 'service', service, 'username', account]);
    expect(stdout).toBe(passphrase);
    // Second time: from the keychain, no question.
    const silent = scriptedPrompts();
    const c2 = await connectRoute({ jumps: [], target: endpoint(host, { identityFiles: [keyPath] }) }, deps(store, { prompts: silent }));
    c2.close();
    expect(silent.log.passphrases).toEqual([]);
    expect(await anyFileContains(dataDir, passphrase)).toBeUndefined();
    expect(await secrets.delete(account)).toBe(true);
  });

  it('without a Secret Service the keychain is reported unavailable (no silent memory-only fallback)', async () => {
    const saved = process.env['DBUS_SESSION_BUS_ADDRESS'];
    delete process.env['DBUS_SESSION_BUS_ADDRESS'];
    try {
      const none = createSecretStore(`${service}-none`);
      const status = await none.status();
      expect(status.available).toBe(false);
      await expect(none.set('x', 'y')).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' });
      expect(await none.get('x')).toBeNull();
    } finally {
      process.env['DBUS_SESSION_BUS_ADDRESS'] = saved;
    }
  });
});
