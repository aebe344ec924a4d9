import { describe, expect, it } from 'vitest';
import { connectionHash, expandFileTokens, expandProxyTokens, parseSshG, sshGArgs, validateAlias, type LocalContext } from '../openssh-config';

const local: LocalContext = { home: '/home/me', localUser: 'me', localHost: 'desk.lan', uid: 1000 };

describe('ssh -G', () => {
  it('is run with an argument vector: the alias last after --, one that looks like an option refused', () => {
    expect(sshGArgs('web', { configPath: '/c f', port: 2200, user: 'u', identityFile: '/k' })).toEqual(['-G', '-F', '/c f', '-p', '2200', '-l', 'u', '-i', '/k', '--', 'web']);
    for (const bad of ['-oProxyCommand=x', '', 'a b', 'a\nb', "a'b", 'x'.repeat(256)]) expect(() => validateAlias(bad)).toThrow(/not a host name/);
  });

  it('reads every list OpenSSH prints and expands what ssh -G leaves as written', () => {
    const out = [
      'host web',
      'user deploy',
      'hostname web.example',
      'port 2222',
      'identitiesonly yes',
      'stricthostkeychecking true',
      'serveralivecountmax 3',
      'serveraliveinterval 15',
      'connecttimeout none',
      'hostkeyalias alias-%h',
      'identityagent /run/agent.sock',
      'identityfile ~/.ssh/id_%h_%r',
      'identityfile /k/%C',
      'certificatefile ~/.ssh/%n-cert.pub',
      'globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2',
      'userknownhostsfile /home/me/kh /dev/null',
      'proxycommand nc %h %p # %r %n %%',
    ].join('\n');
    const r = parseSshG(out, 'web', local);
    expect(r).toMatchObject({
      source: 'openssh',
      hostName: 'web.example',
      user: 'deploy',
      port: 2222,
      identitiesOnly: true,
      strictHostKeyChecking: 'yes',
      connectTimeoutSeconds: 0,
      serverAliveIntervalSeconds: 15,
      hostKeyAlias: 'alias-%h',
      identityAgent: '/run/agent.sock',
      certificateFiles: ['/home/me/.ssh/web-cert.pub'],
      userKnownHostsFiles: ['/home/me/kh', '/dev/null'],
      proxyCommand: 'nc web.example 2222 # deploy web %',
    });
    expect(r.identityFiles).toEqual(['/home/me/.ssh/id_web.example_deploy', `/k/${connectionHash('desk.lan', 'web.example', 2222, 'deploy')}`]);
    expect(expandFileTokens('%d %u %L %l %i %k %%', { alias: 'a', hostName: 'h', port: 22, user: 'r', hostKeyAlias: '' }, local)).toBe('/home/me me desk desk.lan 1000 h %');
    expect(expandProxyTokens('%C %h', { alias: 'a', hostName: 'h', port: 22, user: 'r', hostKeyAlias: '' })).toBe('%C h');
  });
});
