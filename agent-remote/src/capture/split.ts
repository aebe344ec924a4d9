// Splits a delta whose encoding is over the message bound into several (all but the last marked
// partial). Definitions keep their order: frames, then stacks, then counts, so every id is
// defined in an earlier or the same message than its first use.
import { deltaToWire, type AgentDelta } from '../../../core/protocol/convert';
import { CaptureEvent, Count, Frame, Process, Stack, type CaptureDelta } from '../../../core/protocol/generated/emberscope.generated';

/** The agent's delta as the wire messages that carry it: the one conversion to wire, then the split. */
export function wireDeltas(delta: AgentDelta, maxBytes: number): CaptureDelta[] {
  return splitDelta(deltaToWire(delta), maxBytes);
}

export function encodedSize(delta: CaptureDelta): number {
  return CaptureEvent.encode({ event: { $case: 'delta', value: delta } }).finish().byteLength;
}

export function splitDelta(delta: CaptureDelta, maxBytes: number): CaptureDelta[] {
  if (encodedSize(delta) <= maxBytes) return [delta];
  const budget = Math.max(1024, maxBytes - 1024);
  type Item = { kind: 'f'; v: Frame } | { kind: 's'; v: Stack } | { kind: 'c'; v: Count } | { kind: 'p'; v: Process };
  const items: Item[] = [
    ...delta.frames.map((v): Item => ({ kind: 'f', v })),
    ...delta.stacks.map((v): Item => ({ kind: 's', v })),
    ...delta.processes.map((v): Item => ({ kind: 'p', v })),
    ...delta.counts.map((v): Item => ({ kind: 'c', v })),
  ];
  const size = (it: Item): number =>
    8 +
    (it.kind === 'f' ? Frame.encode(it.v).finish().byteLength : it.kind === 's' ? Stack.encode(it.v).finish().byteLength : it.kind === 'c' ? Count.encode(it.v).finish().byteLength : Process.encode(it.v).finish().byteLength);
  const parts: CaptureDelta[] = [];
  let cur: CaptureDelta = { ...delta, frames: [], stacks: [], counts: [], processes: [], stats: undefined, partial: true };
  let used = 0;
  for (const it of items) {
    const s = size(it);
    if (used + s > budget && used > 0) {
      parts.push(cur);
      cur = { ...delta, frames: [], stacks: [], counts: [], processes: [], stats: undefined, partial: true };
      used = 0;
    }
    if (it.kind === 'f') cur.frames.push(it.v);
    else if (it.kind === 's') cur.stacks.push(it.v);
    else if (it.kind === 'c') cur.counts.push(it.v);
    else cur.processes.push(it.v);
    used += s;
  }
  cur.stats = delta.stats;
  cur.partial = false;
  parts.push(cur);
  return parts;
}
