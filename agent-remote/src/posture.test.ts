import { chmodSync, chownSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capNames, parseGetcap } from './caps';
import { readPolicy } from './policy';
import { mountEvidence, parseKernelRelease, parseLockdown, parseMountinfo } from './posture';

const dir = mkdtempSync(join(tmpdir(), 'emberscope-posture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('posture parsing', () => {
  it('parses kernel releases and lockdown', () => {
    expect(parseKernelRelease('6.18.44-fc-v782')).toEqual({ major: 6, minor: 18, patch: 44 });
    expect(parseKernelRelease('5.4.0')).toEqual({ major: 5, minor: 4, patch: 0 });
    expect(parseLockdown('none [integrity] confidentiality\n')).toBe('integrity');
  });

  it('finds the mount of a path and its flags', () => {
    const info = parseMountinfo(
      [
        '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
        '30 22 0:25 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,mode=755',
        '31 30 0:26 / /run/user\\0401000 rw,nosuid,nodev,noexec - tmpfs tmpfs rw',
      ].join('\n'),
    );
    expect(info.map((m) => m.mountPoint)).toEqual(['/', '/run', '/run/user 1000']);
    expect(mountEvidence('install', '/', info)).toMatchObject({ found: true, mountPoint: '/', nosuid: false });
    const run = mountEvidence('cache', '/run', info);
    expect(run).toMatchObject({ found: true, mountPoint: '/run', fsType: 'tmpfs', nosuid: true, noexec: false });
  });

  it('parses getcap output and capability masks', () => {
    expect(parseGetcap('/x/emberscope-sampler cap_bpf,cap_perfmon=ep', '/x/emberscope-sampler')).toEqual({ text: 'cap_bpf,cap_perfmon=ep', permitted: ['cap_bpf', 'cap_perfmon'], inheritable: [], effective: true });
    expect(parseGetcap('/x/s = cap_sys_admin+ep', '/x/s')).toMatchObject({ permitted: ['cap_sys_admin'], effective: true });
    expect(parseGetcap('', '/x/s')).toMatchObject({ text: '', permitted: [] });
    expect(capNames('000000c000000000')).toEqual(['cap_perfmon', 'cap_bpf']);
    expect(capNames('0000000000000000')).toEqual([]);
    expect(capNames('0000000400000000')).toEqual(['cap_syslog']);
  });
});

describe('host policy file', () => {
  const pdir = join(dir, 'etc');
  mkdirSync(pdir, { mode: 0o755 });
  const file = join(pdir, 'policy.json');
  // The temporary directory's parents (/tmp: sticky) are accepted; the file itself is what matters.
  it('honours a root-owned, non-writable policy', () => {
    writeFileSync(file, JSON.stringify({ strict: true, preset: 'standard', patterns: ['secret'] }), { mode: 0o644 });
    chownSync(file, 0, 0);
    expect(readPolicy(file)).toMatchObject({ present: true, honored: true, strict: true, preset: 'standard', patterns: ['secret'] });
  });

  it('ignores a policy that is group- or world-writable, not root-owned, a symlink, or not JSON', () => {
    chmodSync(file, 0o666);
    expect(readPolicy(file)).toMatchObject({ present: true, honored: false, strict: false, reason: expect.stringMatching(/writable/) });
    chmodSync(file, 0o644);
    chownSync(file, 65534, 0);
    expect(readPolicy(file)).toMatchObject({ honored: false, reason: expect.stringMatching(/not owned by root/) });
    chownSync(file, 0, 0);
    const link = join(pdir, 'link.json');
    symlinkSync(file, link);
    expect(readPolicy(link)).toMatchObject({ honored: false, reason: expect.stringMatching(/symbolic link/) });
    writeFileSync(file, '{nope');
    expect(readPolicy(file)).toMatchObject({ honored: false, reason: expect.stringMatching(/JSON/) });
    expect(readPolicy(join(pdir, 'missing.json'))).toMatchObject({ present: false, honored: false });
  });

  it('ignores a policy in a writable directory', () => {
    const wdir = join(dir, 'wdir');
    mkdirSync(wdir);
    chmodSync(wdir, 0o777);
    const f = join(wdir, 'policy.json');
    writeFileSync(f, '{"strict":true}', { mode: 0o644 });
    expect(readPolicy(f)).toMatchObject({ honored: false, reason: expect.stringMatching(/writable/) });
  });
});
