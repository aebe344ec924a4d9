// Accumulates a capture's events into something tests can query (leaf functions per pid...).
import { FrameKind, type CaptureEvent, type CaptureEnded, type CaptureStarted, type Frame, type FrameStatus } from '../../core/protocol/generated/emberscope.generated';

export class CaptureLog {
  started: CaptureStarted | undefined;
  ended: CaptureEnded | undefined;
  readonly frames = new Map<number, Frame>();
  readonly stacks = new Map<number, number[]>();
  readonly samples: { stackId: number; pid: number; tid: number; comm: string; count: number }[] = [];
  deltas = 0;
  reportedSamples = 0;

  add(e: CaptureEvent): void {
    const ev = e.event;
    if (!ev) return;
    if (ev.$case === 'started') this.started = ev.value;
    else if (ev.$case === 'ended') this.ended = ev.value;
    else {
      this.deltas++;
      for (const f of ev.value.frames) this.frames.set(f.id, f);
      for (const s of ev.value.stacks) this.stacks.set(s.id, s.frameIds);
      for (const c of ev.value.counts) {
        if (!this.stacks.has(c.stackId)) throw new Error(`count refers to undefined stack ${c.stackId}`);
        this.samples.push({ ...c });
      }
      this.reportedSamples += ev.value.stats?.samples ?? 0;
    }
  }

  stackFrames(stackId: number): Frame[] {
    return (this.stacks.get(stackId) ?? []).map((id) => {
      const f = this.frames.get(id);
      if (!f) throw new Error(`stack refers to undefined frame ${id}`);
      return f;
    });
  }

  /** Sample counts by the name of the first user (or JIT) frame, for one process. */
  userLeaves(pid: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.samples) {
      if (s.pid !== pid) continue;
      const leaf = this.stackFrames(s.stackId).find((f) => f.kind !== FrameKind.FRAME_KIND_KERNEL);
      const name = leaf?.name ?? '(none)';
      out.set(name, (out.get(name) ?? 0) + s.count);
    }
    return out;
  }

  total(pid?: number): number {
    return this.samples.filter((s) => pid === undefined || s.pid === pid).reduce((n, s) => n + s.count, 0);
  }

  kernelFrames(): Frame[] {
    return [...this.frames.values()].filter((f) => f.kind === FrameKind.FRAME_KIND_KERNEL);
  }

  framesWithStatus(status: FrameStatus): Frame[] {
    return [...this.frames.values()].filter((f) => f.status === status);
  }
}

export function share(leaves: Map<string, number>, names: readonly string[]): { hit: number; total: number; parts: number[] } {
  let total = 0;
  for (const v of leaves.values()) total += v;
  const parts = names.map((n) => leaves.get(n) ?? 0);
  const hit = parts.reduce((a, b) => a + b, 0);
  return { hit: total ? hit / total : 0, total, parts: parts.map((p) => (hit ? p / hit : 0)) };
}
