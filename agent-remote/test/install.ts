// For integration tests against the real sampler: the agent bundle and the committed sampler
// installed in a private directory as host setup installs them, and an SSH connection to the
// test host.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Client } from 'ssh2';
import type { TestHost } from '../../scripts/test-host';
import { repoRoot } from './helpers';

export const COMMITTED_SAMPLER = join(repoRoot, 'assets', 'linux-x86_64', 'emberscope-sampler');

/** A new directory under /var/tmp (readable by the test host's user) with the agent built into it (0644). */
export function agentDir(prefix: string): { dir: string; agentPath: string } {
  const dir = mkdtempSync(join('/var/tmp', prefix));
  chmodSync(dir, 0o755);
  execFileSync(process.execPath, [join(repoRoot, 'agent-remote', 'build.mjs'), '--outdir', dir]);
  const agentPath = join(dir, 'agent.cjs');
  chmodSync(agentPath, 0o644);
  return { dir, agentPath };
}

/** The committed sampler as setup installs it: root-owned, group `gid`, 0750, file caps `caps` (e.g. cap_bpf,cap_perfmon). */
export function installSampler(dir: string, name: string, gid: number, caps: string): string {
  const path = join(dir, name);
  copyFileSync(COMMITTED_SAMPLER, path);
  chownSync(path, 0, gid);
  chmodSync(path, 0o750);
  execFileSync('setcap', [`${caps}=ep`, path]);
  return path;
}

/** Takes the file caps off again (before the directory is removed). */
export function removeCaps(path: string | undefined): void {
  if (path && existsSync(path)) execFileSync('setcap', ['-r', path]);
}

/** An SSH connection to the test host as its unprivileged user, the host key checked. */
export function sshConnect(facts: TestHost['facts']): Promise<Client> {
  return new Promise((resolve, reject) => {
    const sock = connect(facts.port, facts.host);
    sock.setNoDelay(true);
    const conn = new Client();
    conn.on('ready', () => resolve(conn)).on('error', reject);
    conn.connect({
      sock,
      username: facts.user,
      privateKey: readFileSync(facts.identityFile),
      hostVerifier: (key: Buffer) => 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '') === facts.hostKeyFingerprint,
    });
  });
}
