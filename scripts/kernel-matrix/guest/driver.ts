// Runs INSIDE the QEMU guest (bundled into the initramfs as /opt/emberscope/driver.cjs, started
// by its /init as root). Set up as a real host: the sampler root:ember 0750 with file
// capabilities CAP_BPF + CAP_PERFMON (/init), the agent bundle run as the unprivileged user
// `ember` (uid 1000) as "This machine" runs it (a child process, the same gRPC protocol over its
// stdio), the C workload as another user. Posture review, then one real capture of the workload.
// Prints one `EMBER-MATRIX {json}` line on stdout (the serial console) for run.ts.
//   node driver.cjs capture   the capture above
//   node driver.cjs no-btf    /init hid /sys/kernel/btf: the sampler must refuse with NO_BTF
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { machine } from 'node:os';
import { connectAgent, type AgentClient } from '../../../electron/agent-client/client';
import { spawnLocalAgent } from '../../../electron/agent-client/local';
import { postureToEvidence } from '../../../core/protocol/posture';
import { evaluatePosture } from '../../../core/warnings/evaluate';
import { FrameKind, type CaptureEvent, type Frame, type PostureReply } from '../../../core/protocol/generated/emberscope.generated';
import type { GuestResult, WorkloadResult } from '../result';

const DIR = '/opt/emberscope';
const SAMPLER = `${DIR}/emberscope-sampler`;
const AGENT = `${DIR}/agent.cjs`;
const WORKLOAD = `${DIR}/hot-c`;
const AGENT_UID = 1000;
const WORKLOAD_UID = 1001;
const LEAVES = ['spin_parse_request', 'spin_compress_block', 'spin_verify_session_token'];

function emit(r: GuestResult): void {
  process.stdout.write(`EMBER-MATRIX ${JSON.stringify(r)}\n`);
}

/** Names of the BPF programs loaded now (bpftool, copied into the guest). */
function bpfPrograms(): string[] {
  try {
    const list = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as { name?: string }[];
    return list.map((p) => p.name ?? '?');
  } catch (e) {
    return [`bpftool failed: ${(e as Error).message.slice(0, 100)}`];
  }
}

/** Samples of one workload process by the name of their first user frame. */
interface Tally {
  samples: number;
  atLeaf: Map<string, number>;
  lostUserStack: number;
}

interface CaptureTally {
  samples: number;
  byPid: Map<number, Tally>;
  stderrTail: string;
  symbolization: Record<string, number>;
}

async function capture(client: AgentClient, pids: number[], seconds: number): Promise<CaptureTally> {
  const frames = new Map<number, Frame>();
  const stacks = new Map<number, number[]>();
  const t: CaptureTally = { samples: 0, byPid: new Map(pids.map((p) => [p, { samples: 0, atLeaf: new Map(), lostUserStack: 0 }])), stderrTail: '', symbolization: {} };
  const stream = client.startCapture({ hz: 199, seconds, intervalMs: 1000, target: { kind: 'pids', pids }, sampler: { path: SAMPLER } });
  for await (const e of stream as AsyncIterable<CaptureEvent>) {
    const ev = e.event;
    if (ev?.$case === 'ended') {
      if (ev.value.error) throw Object.assign(new Error(ev.value.error.message), { code: ev.value.error.code, stderrTail: ev.value.samplerStderrTail.slice(-600) });
      t.stderrTail = ev.value.samplerStderrTail.slice(-600);
      t.symbolization = { ...(ev.value.symbolization ?? {}) };
    }
    if (ev?.$case !== 'delta') continue;
    for (const f of ev.value.frames) frames.set(f.id, f);
    for (const s of ev.value.stacks) stacks.set(s.id, s.frameIds);
    for (const c of ev.value.counts) {
      t.samples += c.count;
      const w = t.byPid.get(c.pid);
      if (!w) continue;
      w.samples += c.count;
      const leaf = (stacks.get(c.stackId) ?? []).map((id) => frames.get(id)).find((f) => f && f.kind !== FrameKind.FRAME_KIND_KERNEL);
      const name = leaf?.name ?? '(none)';
      if (name === '[user stack lost]') w.lostUserStack += c.count;
      else w.atLeaf.set(name, (w.atLeaf.get(name) ?? 0) + c.count);
    }
  }
  return t;
}

function workloadResult(w: Tally | undefined, user: string): WorkloadResult {
  const atLeaf = w?.atLeaf ?? new Map<string, number>();
  const symbolizedTotal = [...atLeaf.values()].reduce((a, b) => a + b, 0);
  const hits = LEAVES.map((n) => atLeaf.get(n) ?? 0);
  const hit = hits.reduce((a, b) => a + b, 0);
  return {
    user,
    samples: w?.samples ?? 0,
    lostUserStack: w?.lostUserStack ?? 0,
    symbolizedShare: symbolizedTotal ? hit / symbolizedTotal : 0,
    split: hits.map((h) => (hit ? h / hit : 0)),
    leaves: Object.fromEntries([...atLeaf].sort((x, y) => y[1] - x[1]).slice(0, 6)),
  };
}

const PARANOID = '/proc/sys/kernel/perf_event_paranoid';

function readParanoid(): number {
  return Number.parseInt(readFileSync(PARANOID, 'utf8'), 10);
}

/** "Max locked memory" of /proc/PID/limits: soft and hard. */
function memlockOf(pid: number): string {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max locked memory')) ?? '';
    return line.replace('Max locked memory', '').trim().replace(/\s+/g, ' ');
  } catch {
    return '?';
  }
}

function warningsOf(p: PostureReply): string[] {
  return evaluatePosture(postureToEvidence(p, { capSyslogOptIn: false })).map((w) => `${w.id}:${w.severity}`);
}

/**
 * One capture of two workload processes (one thread each): one of another user (what a
 * profiler is for: the sampler reads its maps with CAP_PERFMON) and one of the agent's own user.
 * Undefined with r.error set if it failed.
 */
async function captureWorkloads(client: AgentClient, r: GuestResult): Promise<CaptureTally | undefined> {
  const other = spawn(WORKLOAD, ['0', '1'], { uid: WORKLOAD_UID, gid: WORKLOAD_UID, stdio: 'ignore' });
  const own = spawn(WORKLOAD, ['0', '1'], { uid: AGENT_UID, gid: AGENT_UID, stdio: 'ignore' });
  try {
    // Can CAP_PERFMON open another user's /proc/PID/maps on this kernel? (The sampler relies on it.)
    const probe = spawnSync('setpriv', [`--reuid=${AGENT_UID}`, `--regid=${AGENT_UID}`, '--clear-groups', '--inh-caps=-all,+perfmon', '--ambient-caps=+perfmon', '--', 'head', '-c', '1', `/proc/${other.pid ?? 0}/maps`], { encoding: 'utf8', timeout: 20_000 });
    r.otherUsersMapsWithPerfmon = probe.status === 0 ? 'readable' : `not readable: ${probe.stderr.trim().slice(0, 120)}`;
    const t = await capture(client, [other.pid ?? 0, own.pid ?? 0], 5);
    r.workloads = [workloadResult(t.byPid.get(other.pid ?? 0), 'other user'), workloadResult(t.byPid.get(own.pid ?? 0), "agent's user")];
    return t;
  } catch (e) {
    r.error = `${(e as { code?: string }).code ?? 'ERROR'}: ${(e as Error).message.slice(0, 300)}`;
    r.samplerStderr = (e as { stderrTail?: string }).stderrTail;
    return undefined;
  } finally {
    other.kill('SIGKILL');
    own.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const mode = process.argv[2] === 'no-btf' ? 'no-btf' : 'capture';
  const agentLog: string[] = [];
  const client = await connectAgent(
    spawnLocalAgent({
      agentPath: AGENT,
      nodePath: 'setpriv',
      nodeArgs: [`--reuid=${AGENT_UID}`, `--regid=${AGENT_UID}`, '--init-groups', '--', process.execPath],
      env: { HOME: '/tmp', USER: 'ember', LOGNAME: 'ember' },
      onLog: (l) => agentLog.push(l),
    }),
  );
  const r: GuestResult = { mode, release: '', machine: machine(), btf: false, lockdown: '', paranoid: readParanoid(), warnings: [], loaded: false, samples: 0, workloads: [], notes: [] };
  try {
    await client.hello();
    const p = await client.posture({ samplerPath: SAMPLER });
    r.release = p.kernel?.release ?? '';
    r.btf = p.kernel?.btfPresent ?? false;
    r.lockdown = p.kernel?.lockdown ?? '';
    r.warnings = warningsOf(p);

    if (mode === 'no-btf') {
      // Only BTF missing: perf_event_paranoid as an administrator sets it (see below).
      writeFileSync(PARANOID, '2\n');
      r.paranoid = readParanoid();
      // Straight from the sampler, as the agent's user: exit code and its one stderr line.
      const direct = spawnSync(SAMPLER, ['--duration', '1'], { uid: AGENT_UID, gid: AGENT_UID, encoding: 'utf8', timeout: 30_000 });
      r.refusal = { exitCode: direct.status ?? -1, signal: direct.signal ?? '', stderr: direct.stderr.trim().slice(0, 400), stdoutBytes: Buffer.byteLength(direct.stdout) };
      // Through the agent: the capture must fail with the sampler's code.
      try {
        await capture(client, [process.pid], 2);
        r.refusal.agentCode = 'none';
      } catch (e) {
        r.refusal.agentCode = (e as { code?: string }).code ?? 'unknown';
        r.refusal.agentMessage = (e as Error).message.slice(0, 300);
      }
      r.refusal.bpfProgramsAfter = bpfPrograms();
      return;
    }

    // Debian's kernels default to perf_event_paranoid = 3 (a Debian patch): perf_event_open then
    // needs CAP_SYS_ADMIN, CAP_PERFMON is not enough. Try as installed; if that is the refusal,
    // record it and set 2 (what the host's administrator does), then capture again.
    const paranoid = readParanoid();
    r.paranoid = paranoid;
    let t = await captureWorkloads(client, r);
    if (!t && paranoid > 2) {
      r.atDefault = { paranoid, error: r.error ?? '', warnings: r.warnings };
      delete r.error;
      writeFileSync(PARANOID, '2\n');
      r.paranoid = readParanoid();
      r.warnings = warningsOf(await client.posture({ samplerPath: SAMPLER }));
      t = await captureWorkloads(client, r);
    }
    // Before 5.11 BPF maps are charged to RLIMIT_MEMLOCK (later: the memory cgroup), and an
    // unprivileged sampler cannot raise it: map creation fails with EPERM. The administrator's
    // fix is a memlock limit for the emberscope group (limits.conf); here: prlimit on the agent,
    // whose sampler inherits it.
    if (!t && r.error?.startsWith('EPERM')) {
      const agentPid = p.agent?.pid ?? 0;
      r.memlock = { before: memlockOf(agentPid), error: r.error };
      delete r.error;
      spawnSync('prlimit', ['--pid', String(agentPid), '--memlock=unlimited:unlimited'], { encoding: 'utf8' });
      r.memlock.after = memlockOf(agentPid);
      t = await captureWorkloads(client, r);
    }
    if (!t) {
      // The libbpf/verifier log, straight from the sampler as the agent's user.
      const v = spawnSync('prlimit', ['--memlock=unlimited:unlimited', 'setpriv', `--reuid=${AGENT_UID}`, `--regid=${AGENT_UID}`, '--clear-groups', '--', SAMPLER, '--verbose', '--duration', '2'], { encoding: 'utf8', timeout: 60_000 });
      r.verboseTail = v.stderr.split('\n').filter((l) => l.trim()).slice(-25).join('\n');
    }
    if (t) {
      r.loaded = true;
      r.samples = t.samples;
      r.samplerStderr = t.stderrTail;
      r.symbolization = t.symbolization;
    }
    r.bpfProgramsAfter = bpfPrograms();
  } catch (e) {
    r.error = `${(e as { code?: string }).code ?? 'ERROR'}: ${(e as Error).message.slice(0, 300)}`;
    r.notes.push(...agentLog.slice(-5));
  } finally {
    await client.close().catch(() => undefined);
    emit(r);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stdout.write(`EMBER-MATRIX ${JSON.stringify({ error: String(e) })}\n`);
    process.exit(1);
  },
);
