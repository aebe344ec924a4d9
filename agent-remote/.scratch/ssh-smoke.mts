import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { startTestHost } from '/work/main/scripts/test-host.ts';
import { connectAgent, sshAgentStream } from '/work/main/electron/agent-client/index.ts';
const host = await startTestHost();
const dir = mkdtempSync('/var/tmp/emberscope-smoke-'); chmodSync(dir, 0o755);
execFileSync(process.execPath, ['/work/main/agent-remote/build.mjs', '--outdir', dir]);
try {
  const f = host.facts;
  const conn = await new Promise<Client>((resolve, reject) => {
    const sock = connect(f.port, f.host); sock.setNoDelay(true);
    const c = new Client(); c.on('ready', () => resolve(c)).on('error', reject);
    c.connect({ sock, username: f.user, privateKey: readFileSync(f.identityFile), hostVerifier: (key: Buffer) => 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '') === f.hostKeyFingerprint });
  });
  const client = await connectAgent(sshAgentStream(conn, { command: `exec ${process.execPath} ${dir}/agent.cjs`, onLog: (l) => console.error('[agent]', l) }));
  let t = performance.now();
  const h = await client.hello();
  console.log('hello', Math.round(performance.now() - t), 'ms', h.host?.user, h.host?.uid);
  t = performance.now();
  for (let i = 0; i < 20; i++) await client.hello();
  console.log('20 hellos', Math.round(performance.now() - t), 'ms');
  const p = await client.posture({});
  console.log('posture agent caps', p.agent?.caps?.effective, 'kallsyms', p.kernel?.kallsymsReadable, 'root', p.sshUserIsRoot);
  await client.close();
  conn.end();
} finally {
  rmSync(dir, { recursive: true, force: true });
  await host.stop();
}
