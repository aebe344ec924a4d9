// Runs INSIDE the QEMU guest (bundled to build/kernels/guest/driver.cjs, started by the
// initramfs's /init as root): the agent bundle as "This machine" (a child process, the same gRPC
// protocol over its stdio), the posture review, and one real capture of the C workload through
// the sampler, launched as the agent launches it for a root user (setpriv: non-root uid, ambient
// CAP_BPF + CAP_PERFMON only, no_new_privs). Prints one `EMBER-MATRIX {json}` line on stdout
// (the serial console); the host side (run.ts) parses it.
//   node driver.cjs capture   the capture above
//   node driver.cjs no-btf    /init hid /sys/kernel/btf: the sampler must refuse with NO_BTF
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { connectAgent, type AgentClient } from '../../../electron/agent-client/client';
import { spawnLocalAgent } from '../../../electron/agent-client/local';
import { postureToEvidence } from '../../../core/protocol/posture';
import { evaluatePosture } from '../../../core/warnings/evaluate';
import { FrameKind, type CaptureEvent, type Frame } from '../../../core/protocol/generated/emberscope.generated';
import type { GuestResult } from '../result';

const DIR = '/opt/emberscope';
const SAMPLER = `${DIR}/emberscope-sampler`;
const AGENT = `${DIR}/agent.cjs`;
const WORKLOAD = `${DIR}/hot-c`;
const SAMPLER_UID = 1000;
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

interface Tally {
  samples: number;
  workloadSamples: number;
  atLeaf: Map<string, number>;
  lostUserStack: number;
}

async function capture(client: AgentClient, pid: number, seconds: number): Promise<Tally> {
  const frames = new Map<number, Frame>();
  const stacks = new Map<number, number[]>();
  const t: Tally = { samples: 0, workloadSamples: 0, atLeaf: new Map(), lostUserStack: 0 };
  const stream = client.startCapture({
    hz: 199,
    seconds,
    intervalMs: 1000,
    target: { kind: 'pids', pids: [pid] },
    sampler: { path: SAMPLER, useSetpriv: true, setprivUid: SAMPLER_UID, setprivGid: SAMPLER_UID },
  });
  for await (const e of stream as AsyncIterable<CaptureEvent>) {
    const ev = e.event;
    if (ev?.$case !== 'delta') {
      if (ev?.$case === 'ended' && ev.value.error) throw Object.assign(new Error(ev.value.error.message), { code: ev.value.error.code });
      continue;
    }
    for (const f of ev.value.frames) frames.set(f.id, f);
    for (const s of ev.value.stacks) stacks.set(s.id, s.frameIds);
    for (const c of ev.value.counts) {
      t.samples += c.count;
      if (c.pid !== pid) continue;
      t.workloadSamples += c.count;
      const leaf = (stacks.get(c.stackId) ?? []).map((id) => frames.get(id)).find((f) => f && f.kind !== FrameKind.FRAME_KIND_KERNEL);
      const name = leaf?.name ?? '(none)';
      if (name === '[user stack lost]') t.lostUserStack += c.count;
      else t.atLeaf.set(name, (t.atLeaf.get(name) ?? 0) + c.count);
    }
  }
  return t;
}

async function main(): Promise<void> {
  const mode = process.argv[2] === 'no-btf' ? 'no-btf' : 'capture';
  const agentLog: string[] = [];
  const client = await connectAgent(spawnLocalAgent({ agentPath: AGENT, nodePath: process.execPath, onLog: (l) => agentLog.push(l) }));
  const r: GuestResult = { mode, release: '', btf: false, lockdown: '', warnings: [], loaded: false, samples: 0, workloadSamples: 0, symbolizedShare: 0, split: [], leaves: {}, notes: [] };
  try {
    await client.hello();
    const p = await client.posture({ samplerPath: SAMPLER });
    r.release = p.kernel?.release ?? '';
    r.btf = p.kernel?.btfPresent ?? false;
    r.lockdown = p.kernel?.lockdown ?? '';
    r.warnings = evaluatePosture(postureToEvidence(p, { capSyslogOptIn: false })).map((w) => `${w.id}:${w.severity}`);

    if (mode === 'no-btf') {
      // Straight from the sampler: exit code and its one stderr line.
      const direct = spawnSync('setpriv', [`--reuid=${SAMPLER_UID}`, `--regid=${SAMPLER_UID}`, '--clear-groups', '--inh-caps=-all,+bpf,+perfmon', '--ambient-caps=+bpf,+perfmon', '--bounding-set=-all,+bpf,+perfmon', '--no-new-privs', '--', SAMPLER, '--duration', '1'], { encoding: 'utf8', timeout: 30_000 });
      r.refusal = { exitCode: direct.status ?? -1, signal: direct.signal ?? '', stderr: direct.stderr.trim().slice(0, 400), stdoutBytes: Buffer.byteLength(direct.stdout) };
      // Through the agent: the capture must fail with the sampler's code.
      try {
        await capture(client, process.pid, 2);
        r.refusal.agentCode = 'none';
      } catch (e) {
        r.refusal.agentCode = (e as { code?: string }).code ?? 'unknown';
        r.refusal.agentMessage = (e as Error).message.slice(0, 300);
      }
      r.refusal.bpfProgramsAfter = bpfPrograms();
      return;
    }

    const w = spawn(WORKLOAD, ['0', '2'], { uid: WORKLOAD_UID, gid: WORKLOAD_UID, stdio: 'ignore' });
    try {
      const t = await capture(client, w.pid ?? 0, 5);
      r.loaded = true;
      r.samples = t.samples;
      r.workloadSamples = t.workloadSamples;
      const symbolizedTotal = [...t.atLeaf.values()].reduce((a, b) => a + b, 0);
      const hits = LEAVES.map((n) => t.atLeaf.get(n) ?? 0);
      const hit = hits.reduce((a, b) => a + b, 0);
      r.symbolizedShare = symbolizedTotal ? hit / symbolizedTotal : 0;
      r.split = hits.map((h) => (hit ? h / hit : 0));
      r.leaves = Object.fromEntries([...t.atLeaf].sort((a, b) => b[1] - a[1]).slice(0, 8));
      if (t.lostUserStack) r.notes.push(`${t.lostUserStack} workload samples lost their user stack`);
    } finally {
      w.kill('SIGKILL');
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
