// Foundation smoke test: a real sshd, a real host-key check, a real command on the host.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../scripts/test-host';

const run = promisify(execFile);

function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Connects with host-key verification against `expected`; runs `command`; resolves its stdout. */
async function runOverSsh(host: TestHost, expected: string, command: string): Promise<string> {
  const { facts } = host;
  const privateKey = await readFile(facts.identityFile);
  const sock = tcpConnect(facts.port, facts.host);
  sock.setNoDelay(true);
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () => {
        client.exec(command, (error, channel) => {
          if (error) return reject(error);
          let out = '';
          channel.on('data', (d: Buffer) => (out += d.toString()));
          channel.on('close', () => {
            client.end();
            resolve(out);
          });
        });
      })
      .on('error', reject)
      .connect({
        sock,
        username: facts.user,
        privateKey,
        hostVerifier: (key: Buffer) => fingerprint(key) === expected,
      });
  });
}

describe('test host', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('runs a command over SSH after checking the host key', async () => {
    const out = await runOverSsh(host, host.facts.hostKeyFingerprint, 'id -un; echo "$HOME"');
    expect(out.trim().split('\n')).toEqual([host.facts.user, host.facts.home]);
  });

  it('reports the fingerprint ssh-keygen prints for the host key', async () => {
    const [type, blob] = host.facts.hostPublicKey.split(' ');
    expect(type).toBe('ssh-ed25519');
    expect(fingerprint(Buffer.from(blob ?? '', 'base64'))).toBe(host.facts.hostKeyFingerprint);
  });

  it('refuses a host whose key does not match', async () => {
    const wrong = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    await expect(runOverSsh(host, wrong, 'true')).rejects.toThrow(/verification failed/i);
  });

  it('runs the reference workloads as the second, unprivileged user', async () => {
    for (const kind of ['c', 'go'] as const) {
      const workload = await host.startWorkload(kind, { seconds: 1, threads: 1 });
      const { stdout: owner } = await run('ps', ['-o', 'user=', '-p', String(workload.pid)]);
      expect(owner.trim()).toBe(host.facts.workloadUser);
      const { code, stdout } = await workload.exited;
      expect(code).toBe(0);
      expect(Number(stdout.trim())).toBeGreaterThan(0);
    }
  });
});

describe('test host clean-up', () => {
  it('removes its users, processes and files on stop', async () => {
    const host = await startTestHost({ sudo: 'nopasswd' });
    const { user, workloadUser, stateDir, sshdPid, id } = host.facts;
    await host.startWorkload('c', { seconds: 0, threads: 1 });
    await host.stop();
    for (const name of [user, workloadUser]) {
      await expect(run('id', [name])).rejects.toThrow();
    }
    await expect(readFile(`${stateDir}/state.json`)).rejects.toThrow();
    await expect(readFile(`/etc/sudoers.d/emberscope-test-${id}`)).rejects.toThrow();
    const { stdout } = await run('ps', ['-o', 'stat=', '-p', String(sshdPid)]).catch(() => ({ stdout: '' }));
    expect(stdout.trim() === '' || stdout.trim().startsWith('Z')).toBe(true);
  });
});
