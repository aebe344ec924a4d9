// A host reached only through the user's ssh_config, against a real sshd: the user and key come
// from a `Match originalhost` block, the TCP connection from a ProxyCommand (a small node relay
// in the test's directory; the HostName does not resolve, so a direct connection cannot work),
// and the host key is checked under HostKeyAlias in the block's own UserKnownHostsFile.
// Through the services API (createServices({ sshConfigPath }) + connect + check) with ssh -G,
// and through the built-in parser where no ssh exists.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../../scripts/test-host';
import { EmberError } from '../../../core/errors';
import { Hosts } from '../hosts';
import { createServices, type ServicesInternals } from '../index';
import { KnownHostsStore } from '../known-hosts-store';
import { createSecretStore } from '../secrets';
import { connectRoute, execCommand } from '../ssh';
import { makeFixtureDist, type FixtureDist } from './fixture-dist';
import { scriptedPrompts } from './helpers';

let host: TestHost;
let dist: FixtureDist;
let dir: string;
let services: ServicesInternals | undefined;
let config: string;

const RELAY = `// ProxyCommand stand-in: records its arguments, relays stdio to 127.0.0.1:PORT.
const net = require('node:net');
require('node:fs').appendFileSync(process.argv[2], process.argv.slice(3).join(' ') + '\\n');
const s = net.connect(Number(process.argv[4]), '127.0.0.1');
process.stdin.pipe(s);
s.pipe(process.stdout);
s.on('close', () => process.exit(0));
s.on('error', (e) => { process.stderr.write('relay: ' + e.message + '\\n'); process.exit(1); });
`;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof EmberError ? `${e.code}: ${e.message}` : `raw:${String(e)}`;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-sshconf-'));
  host = await startTestHost();
  dist = await makeFixtureDist();
  await writeFile(join(dir, 'relay.cjs'), RELAY);
  await writeFile(join(dir, 'known_hosts_block'), `ember-alias ${host.facts.hostPublicKey}\n`, { mode: 0o600 });
  config = join(dir, 'ssh_config');
  await writeFile(
    config,
    `Host emberhost emberfail embercert emberstrict
  HostName target.invalid
  Port ${host.facts.port}
Match originalhost emberhost,embercert
  User ${host.facts.user}
  IdentitiesOnly yes
  ProxyCommand ${process.execPath} ${dir}/relay.cjs ${dir}/relay.log %h %p %r %n
  UserKnownHostsFile ${dir}/known_hosts_block
  HostKeyAlias ember-alias
Match originalhost emberhost
  IdentityFile ${dir}/missing-key
  IdentityFile ${host.facts.identityFile}
Match originalhost embercert
  IdentityFile ${dir}/unauthorized
  CertificateFile ${dir}/unauthorized-cert.pub
Match originalhost emberstrict
  User ${host.facts.user}
  IdentityFile ${host.facts.identityFile}
  ProxyCommand ${process.execPath} ${dir}/relay.cjs ${dir}/relay.log %h %p %r %n
  UserKnownHostsFile ${dir}/known_hosts_empty
  StrictHostKeyChecking yes
Match originalhost emberfail
  User nobody
  ProxyCommand ${process.execPath} -e "process.stderr.write('no route to the bastion\\\\n'); process.exit(3)"
`,
  );
}, 120_000);

afterAll(async () => {
  await services?.close();
  await host?.stop();
  await rm(dir, { recursive: true, force: true });
  if (dist) await rm(dist.dir, { recursive: true, force: true });
});

describe('a host reached through ssh_config alone', () => {
  it('connects and checks through Match originalhost + ProxyCommand + HostKeyAlias/UserKnownHostsFile (ssh -G)', async () => {
    services = createServices({ dataDir: join(dir, 'data'), distDir: dist.dir, sshConfigPath: config, userKnownHosts: [], keychainService: 'emberscope-test' });
    const listed = (await services.hosts.list()).find((h) => h.id === 'ssh:emberhost');
    expect(listed).toMatchObject({
      configSource: 'openssh',
      user: host.facts.user,
      hostName: 'target.invalid',
      hasProxyCommand: true,
      hostKeyAlias: 'ember-alias',
      identityFiles: [join(dir, 'missing-key'), host.facts.identityFile],
      knownHostsFiles: expect.arrayContaining([join(dir, 'known_hosts_block')]) as unknown,
    });
    // 'refuse': the key must be found under the alias in the block's own known_hosts file.
    const session = await services.connect('emberhost', scriptedPrompts(), { unknownHostKey: 'refuse' });
    expect(session.info.user).toBe(host.facts.user);
    expect(session.info.hostKeyFingerprint).toBe(host.facts.hostKeyFingerprint);
    const report = await session.check();
    expect(report.user).toBe(host.facts.user);
    expect(report.kernel).not.toBe('');
    await session.close();
    expect((await readFile(join(dir, 'relay.log'), 'utf8')).trim().split('\n')).toContain(`target.invalid ${host.facts.port} ${host.facts.user} emberhost`);
    // Nothing was written to the app's known_hosts: the key was known already.
    expect(await services.knownHosts.list()).toEqual([]);
  }, 120_000);

  it('says why when the ProxyCommand fails, and names the certificate ssh2 cannot use', async () => {
    services ??= createServices({ dataDir: join(dir, 'data'), distDir: dist.dir, sshConfigPath: config, userKnownHosts: [], keychainService: 'emberscope-test' });
    const failed = await codeOf(services.connect('emberfail', scriptedPrompts(), { unknownHostKey: 'refuse' }));
    expect(failed).toMatch(/^HOST_UNREACHABLE: .*ProxyCommand exited \(status 3\): no route to the bastion/);
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'unauthorized')]);
    await writeFile(join(dir, 'unauthorized-cert.pub'), 'ssh-ed25519-cert-v01@openssh.com AAAA stand-in\n');
    const cert = await codeOf(services.connect('embercert', scriptedPrompts(), { unknownHostKey: 'refuse' }));
    expect(cert).toMatch(/^AUTH_FAILED: .*certificate .*unauthorized-cert\.pub.*OpenSSH transport/);
  }, 60_000);

  it("follows the host's StrictHostKeyChecking yes: an unknown key is refused without asking", async () => {
    services ??= createServices({ dataDir: join(dir, 'data'), distDir: dist.dir, sshConfigPath: config, userKnownHosts: [], keychainService: 'emberscope-test' });
    const prompts = scriptedPrompts({ hostKey: true });
    expect(await codeOf(services.connect('emberstrict', prompts, { unknownHostKey: 'ask' }))).toMatch(/^HOST_KEY_UNKNOWN/);
    expect(prompts.log.hostKeys).toEqual([]);
  }, 60_000);

  it('the built-in parser (no ssh client) reaches the same host the same way', async () => {
    const hosts = new Hosts(join(dir, 'data-fallback'), config, { sshPath: '' });
    const dest = await hosts.resolve('emberhost');
    if (dest.kind !== 'ssh') throw new Error('expected ssh');
    expect(dest.entry.configSource).toBe('fallback');
    const store = new KnownHostsStore(join(dir, 'data-fallback', 'known_hosts'), []);
    const conn = await connectRoute(dest.route, { knownHosts: store, secrets: createSecretStore('emberscope-test'), prompts: scriptedPrompts(), unknownHostKey: 'refuse', timeoutMs: 10_000, log: () => undefined });
    try {
      expect((await execCommand(conn.client, 'id -un')).stdout.trim()).toBe(host.facts.user);
    } finally {
      conn.close();
    }
  }, 60_000);
});

async function run(argv: string[]): Promise<void> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  await promisify(execFile)(argv[0] ?? '', argv.slice(1));
}
