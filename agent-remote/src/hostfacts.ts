import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, machine, userInfo } from 'node:os';
import type { HostFacts } from '../../core/protocol/generated/emberscope.generated';

function osRelease(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
    return m?.[1] ?? '';
  } catch {
    return '';
  }
}

export function currentUser(): { uid: number; user: string } {
  const uid = process.getuid?.() ?? 0;
  let user = '';
  try {
    user = userInfo().username;
  } catch {
    user = process.env['USER'] ?? String(uid);
  }
  return { uid, user };
}

export function hostFacts(): HostFacts {
  const { uid, user } = currentUser();
  return {
    kernelRelease: release(),
    arch: arch(),
    machine: typeof machine === 'function' ? machine() : arch(),
    nodeVersion: process.version,
    uid,
    user,
    hostname: hostname(),
    ncpus: cpus().length,
    osRelease: osRelease(),
    agentPid: process.pid,
  };
}
