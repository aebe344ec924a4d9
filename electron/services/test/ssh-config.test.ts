import { describe, expect, it } from 'vitest';
import {
  listConfigHosts,
  matchPattern,
  matchPatternList,
  parseJumpItem,
  parseProxyJump,
  parseSshConfig,
  resolveHost,
  splitWords,
  type ConfigFs,
} from '../ssh-config';

const HOME = '/home/u';
function memFs(files: Record<string, string>): ConfigFs {
  return {
    readFile: (p) => files[p],
    glob: (pattern) => {
      if (!/[*?]/.test(pattern)) return files[pattern] !== undefined ? [pattern] : [];
      const dir = pattern.slice(0, pattern.lastIndexOf('/') + 1);
      const base = pattern.slice(dir.length);
      return Object.keys(files)
        .filter((f) => f.startsWith(dir) && !f.slice(dir.length).includes('/') && matchPattern(f.slice(dir.length), base, false))
        .sort();
    },
  };
}

const opts = { home: HOME, localUser: 'me' };

describe('ssh_config', () => {
  it('splits words, quotes and key=value', () => {
    expect(splitWords('  HostName=example.com # c')).toEqual(['HostName', 'example.com']);
    expect(splitWords('IdentityFile "~/my keys/id"')).toEqual(['IdentityFile', '~/my keys/id']);
    expect(splitWords('Host a b\tc')).toEqual(['Host', 'a', 'b', 'c']);
    expect(splitWords('User = "x')).toBeUndefined();
  });

  it('patterns: *, ? and negation', () => {
    expect(matchPattern('web1.prod', 'web?.prod')).toBe(true);
    expect(matchPattern('web12.prod', 'web?.prod')).toBe(false);
    expect(matchPattern('a.b.c', '*.c')).toBe(true);
    expect(matchPattern('ABC', 'abc')).toBe(true);
    expect(matchPatternList('db.prod', ['*.prod', '!db.prod'])).toBe(false);
    expect(matchPatternList('web.prod', ['*.prod', '!db.prod'])).toBe(true);
    expect(matchPatternList('x', ['!y'])).toBe(false);
  });

  it('resolves with first-value-wins, accumulating IdentityFile, tokens and ~', () => {
    const cfg = parseSshConfig(
      [
        'Host web',
        '  HostName %h.example.com',
        '  User deploy',
        '  Port 2222',
        '  IdentityFile ~/.ssh/id_%r_%h',
        '  IdentitiesOnly yes',
        'Host *',
        '  User nobody',
        '  Port 22',
        '  IdentityFile %d/.ssh/id_ed25519',
      ].join('\n'),
      { home: HOME, fs: memFs({}) },
    );
    const r = resolveHost(cfg, 'web', opts);
    expect(r.hostName).toBe('web.example.com');
    expect(r.user).toBe('deploy');
    expect(r.port).toBe(2222);
    expect(r.identitiesOnly).toBe(true);
    expect(r.identityFiles).toEqual(['/home/u/.ssh/id_deploy_web.example.com', '/home/u/.ssh/id_ed25519']);
    const other = resolveHost(cfg, 'other', opts);
    expect(other.hostName).toBe('other');
    expect(other.user).toBe('nobody');
    expect(other.port).toBe(22);
    expect(listConfigHosts(cfg)).toEqual(['web']);
  });

  it('ProxyJump: chains, user@host:port, ssh://, IPv6, none', () => {
    expect(parseJumpItem('alice@bastion:2200')).toEqual({ user: 'alice', host: 'bastion', port: 2200 });
    expect(parseJumpItem('ssh://bob@[::1]:22')).toEqual({ user: 'bob', host: '::1', port: 22 });
    expect(parseJumpItem('[fe80::1]:2022')).toEqual({ user: '', host: 'fe80::1', port: 2022 });
    expect(parseJumpItem('host:notaport')).toBeUndefined();
    expect(parseProxyJump('a,b@c:1')).toEqual([
      { user: '', host: 'a', port: 0 },
      { user: 'b', host: 'c', port: 1 },
    ]);
    const cfg = parseSshConfig('Host inner\n ProxyJump jump1,ops@jump2:2022\nHost *\n ProxyJump none', { fs: memFs({}) });
    expect(resolveHost(cfg, 'inner', opts).proxyJump).toHaveLength(2);
    expect(resolveHost(cfg, 'outer', opts).proxyJump).toHaveLength(0);
  });

  it('Include: relative to ~/.ssh, globs, nested inside Host, depth-limited', () => {
    const fs = memFs({
      '/home/u/.ssh/config': 'Include conf.d/*.conf\nHost b\n Include inner\nHost *\n User fallback',
      '/home/u/.ssh/conf.d/1.conf': 'Host a\n HostName a.example\n User ua',
      '/home/u/.ssh/conf.d/2.conf': 'Host a\n HostName ignored.example\nHost c\n Port 2',
      '/home/u/.ssh/inner': 'HostName b.example\nHost *\n Port 7',
      '/home/u/.ssh/loop': 'Include loop',
    });
    const cfg = parseSshConfig(fs.readFile('/home/u/.ssh/config') ?? '', { file: '/home/u/.ssh/config', fs, home: HOME });
    expect(resolveHost(cfg, 'a', opts)).toMatchObject({ hostName: 'a.example', user: 'ua', port: 0 });
    // The inner file's `Host *` is scoped by the outer `Host b`.
    expect(resolveHost(cfg, 'b', opts)).toMatchObject({ hostName: 'b.example', user: 'fallback', port: 7 });
    expect(resolveHost(cfg, 'c', opts)).toMatchObject({ hostName: 'c', port: 2 });
    expect(listConfigHosts(cfg)).toEqual(['a', 'c', 'b']);
    const loop = parseSshConfig('Include loop', { fs, home: HOME });
    expect(loop.problems.some((p) => p.includes('too deeply'))).toBe(true);
  });

  it('Match blocks are skipped, Match all is not', () => {
    const cfg = parseSshConfig('Match exec "true"\n User m\nMatch all\n Port 5', { fs: memFs({}) });
    expect(resolveHost(cfg, 'x', opts)).toMatchObject({ user: '', port: 5 });
  });
});
