// Threat-model promise: the agent never listens on the network. While a capture runs through a
// real SSH exec channel, neither the agent nor the sampler (nor anything they start) holds an
// Internet socket of any kind, and no UNIX socket of theirs accepts connections: the only way in
// is the agent's own stdin, which is the SSH channel.
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureEvent } from '../core/protocol/generated/emberscope.generated';
import { connectAgent, sshAgentStream, type AgentClient } from '../electron/agent-client';
import { startTestHost, type TestHost } from '../scripts/test-host';
import { agentDir, COMMITTED_SAMPLER, installSampler, removeCaps, sshConnect } from '../agent-remote/test/install';


/** The process and all its descendants (by /proc/PID/stat's ppid). */
function processTree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parent) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

/** The socket inodes a process holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Inodes of the Internet sockets in the process's network namespace, whatever their state. */
function inetInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6', 'raw', 'raw6', 'udplite', 'udplite6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode && inode !== '0') inodes.add(inode);
    }
  }
  return inodes;
}

/** Inodes of the UNIX sockets that accept connections (__SO_ACCEPTCON in /proc/net/unix). */
function listeningUnixInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const line of readFileSync(`/proc/${pid}/net/unix`, 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 7 && (parseInt(f[3] ?? '0', 16) & 0x10000) !== 0) inodes.add(f[6] ?? '');
  }
  return inodes;
}

let host: TestHost;
let dir: string;
let sampler: string;
let agentPath: string;

beforeAll(async () => {
  // A missing sampler is a broken checkout, not a reason to skip the promise this test keeps.
  if (!existsSync(COMMITTED_SAMPLER)) throw new Error(`${COMMITTED_SAMPLER} is missing: the sampler is a committed artifact (rebuild it with npm run build:bpf).`);
  host = await startTestHost();
  ({ dir, agentPath } = agentDir('emberscope-listen-'));
  sampler = installSampler(dir, 'emberscope-sampler', host.facts.uid, 'cap_bpf,cap_perfmon');
}, 300_000);

afterAll(async () => {
  removeCaps(sampler);
  if (dir) rmSync(dir, { recursive: true, force: true });
  await host?.stop();
}, 120_000);

describe('the agent never listens on the network', () => {
  it('holds no Internet socket and no listening UNIX socket while it captures over SSH', async () => {
    const f = host.facts;
    const conn = await sshConnect(f);
    let client: AgentClient | undefined;
    const w = await host.startWorkload('c', { seconds: 0, threads: 1 });
    try {
      client = await connectAgent(sshAgentStream(conn, { command: `exec ${process.execPath} ${agentPath}` }));
      const hello = await client.hello();
      const stream = client.startCapture({ hz: 99, sampler: { path: sampler }, target: { kind: 'pids', pids: [w.pid] } });
      const events: CaptureEvent[] = [];
      const done = (async () => {
        for await (const e of stream) events.push(e);
      })();
      const started = await stream.started;
      const samplerPid = started.sampler?.pid ?? 0;
      const agentPid = hello.host?.agentPid ?? 0;
      expect(samplerPid).toBeGreaterThan(0);
      expect(agentPid).toBeGreaterThan(0);
      // Let it run for a few drains, so sockets opened lazily would exist by now.
      await new Promise((r) => setTimeout(r, 2500));

      const tree = processTree(agentPid);
      expect(tree).toContain(samplerPid);
      const report: string[] = [];
      for (const pid of tree) {
        const sockets = socketInodes(pid);
        const inet = inetInodes(pid);
        const listening = listeningUnixInodes(pid);
        for (const inode of sockets) {
          if (inet.has(inode)) report.push(`pid ${pid} holds Internet socket ${inode}`);
          if (listening.has(inode)) report.push(`pid ${pid} listens on UNIX socket ${inode}`);
        }
      }
      expect(report).toEqual([]);

      // The check can fail: the same scan sees sshd's listening socket.
      const sshdSockets = socketInodes(f.sshdPid);
      const sshdInet = inetInodes(f.sshdPid);
      expect([...sshdSockets].some((i) => sshdInet.has(i))).toBe(true);

      expect((await client.stopCapture(started.captureId)).stopped).toBe(true);
      await done;
      expect(events.length).toBeGreaterThan(0);
    } finally {
      await client?.close();
      conn.end();
      await w.stop();
    }
  }, 120_000);
});
