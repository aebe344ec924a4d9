import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hosts } from '../hosts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-hosts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hosts', () => {
  it('lists This machine, ssh_config hosts and app hosts; app hosts are stored 0600 in 0700', async () => {
    const config = join(dir, 'config');
    await writeFile(config, 'Host web-*\n User ops\nHost web-1 db\n HostName 10.0.0.%h\n Port 2222\n ProxyJump bastion\n');
    const hosts = new Hosts(join(dir, 'data'), config);
    const added = await hosts.add({ label: 'Lab box', hostName: 'lab.example', user: 'me', port: 0, identityFile: '', proxyJump: '' });
    expect(added.id).toMatch(/^app:/);
    const list = await hosts.list();
    expect(list.map((h) => h.id)).toEqual(['local', 'ssh:web-1', 'ssh:db', added.id]);
    expect(list[1]).toMatchObject({ user: 'ops', port: 2222, proxyJump: 'bastion', editable: false });
    expect((await stat(join(dir, 'data'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'data', 'hosts.json'))).mode & 0o777).toBe(0o600);
    const updated = await hosts.update(added.id, { label: 'Lab', hostName: 'lab2.example', user: 'me', port: 2200, identityFile: '', proxyJump: 'a@b:22' });
    expect(updated).toMatchObject({ id: added.id, hostName: 'lab2.example', port: 2200 });
    const dest = await hosts.resolve(added.id);
    expect(dest.kind === 'ssh' && dest.route.jumps).toEqual([expect.objectContaining({ host: 'b', user: 'a', port: 22 })]);
    await hosts.remove(added.id);
    await expect(hosts.remove('ssh:web-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(hosts.add({ label: 'x', hostName: 'bad host;rm', user: '', port: 0, identityFile: '', proxyJump: '' })).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
  });

  it('resolves destinations through ssh_config, with overrides', async () => {
    const config = join(dir, 'config2');
    await writeFile(config, 'Host web\n HostName web.internal\n User deploy\n IdentityFile ~/.ssh/web_key\n ProxyJump ops@jump:2022,jump2\n');
    const hosts = new Hosts(join(dir, 'data2'), config);
    const d = await hosts.resolve('web', { port: 2200 });
    if (d.kind !== 'ssh') throw new Error('expected ssh');
    expect(d.route.target).toMatchObject({ host: 'web.internal', user: 'deploy', port: 2200 });
    expect(d.route.jumps.map((j) => `${j.user}@${j.host}:${j.port}`)).toEqual([expect.stringMatching(/^ops@jump:2022$/), expect.stringMatching(/@jump2:22$/)]);
    const direct = await hosts.resolve('alice@10.1.2.3:2201');
    expect(direct.kind === 'ssh' && direct.route.target).toMatchObject({ host: '10.1.2.3', user: 'alice', port: 2201 });
    expect((await hosts.resolve('local')).kind).toBe('local');
    await expect(hosts.resolve('bad dest')).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
  });

  it("follows the first jump host's own ProxyJump, and refuses loops", async () => {
    const config = join(dir, 'config3');
    await writeFile(config, 'Host inner\n ProxyJump mid\nHost mid\n ProxyJump outer\nHost loop1\n ProxyJump loop2\nHost loop2\n ProxyJump loop1\n');
    const hosts = new Hosts(join(dir, 'data3'), config);
    const d = await hosts.resolve('inner');
    expect(d.kind === 'ssh' && d.route.jumps.map((j) => j.host)).toEqual(['outer', 'mid']);
    await expect(hosts.resolve('loop1')).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
  });

  it('resolves through ssh -G where ssh exists, through the built-in parser otherwise; a Match exec it cannot evaluate is said, not guessed', async () => {
    const config = join(dir, 'config4');
    await writeFile(config, 'Host i-*\n HostName %h.ssm\nMatch originalhost i-*\n User ec2-user\n IdentityFile ~/.ssh/a\n IdentityFile ~/.ssh/b\n ProxyCommand nc %h %p\n HostKeyAlias k-%n\nHost gated\n Port 2\nMatch host gated exec "true"\n User execd\n');
    for (const sshPath of [undefined, '']) {
      const hosts = new Hosts(join(dir, 'data4'), config, sshPath === undefined ? {} : { sshPath });
      const d = await hosts.resolve('i-123');
      if (d.kind !== 'ssh') throw new Error('expected ssh');
      expect(d.route.target).toMatchObject({ host: 'i-123.ssm', user: 'ec2-user', proxyCommand: 'nc i-123.ssm 22', hostKeyAlias: 'k-%n' });
      expect(d.route.target.identityFiles.slice(0, 2)).toEqual([join(homedir(), '.ssh', 'a'), join(homedir(), '.ssh', 'b')]);
      expect(d.entry).toMatchObject({ hasProxyCommand: true, identityFile: join(homedir(), '.ssh', 'a') });
      if (sshPath === '') {
        expect(d.entry.configSource).toBe('fallback');
        await expect(hosts.resolve('gated')).rejects.toMatchObject({ code: 'BAD_OPTIONS', message: expect.stringContaining('Match exec') as unknown });
        const gated = (await hosts.list()).find((h) => h.id === 'ssh:gated');
        expect(gated?.configProblem).toContain('Match exec');
      } else {
        expect((await hosts.resolve('gated')).entry).toMatchObject({ user: 'execd', port: 2, configSource: 'openssh' });
      }
    }
    await expect(hosts0().resolve('-oProxyCommand=evil')).rejects.toMatchObject({ code: 'BAD_OPTIONS' });
  });
});

function hosts0(): Hosts {
  return new Hosts(join(dir, 'data5'), join(dir, 'config4'));
}
