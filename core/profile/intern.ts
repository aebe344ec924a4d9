// Interning of integer sequences (stacks of frame indices, pprof location lists) by a numeric
// hash with exact comparison on collision: joining hundreds of thousands of stacks into
// string keys was the slowest part of decoding a large profile.

function hashSequence(seq: ArrayLike<number>): number {
  let h = 0x811c9dc5 ^ seq.length;
  for (let i = 0; i < seq.length; i++) h = Math.imul(h ^ (seq[i] as number), 0x01000193) ^ (h >>> 15);
  return h >>> 0;
}

function equal(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class SequenceInterner<T> {
  private readonly buckets = new Map<number, { seq: ArrayLike<number>; value: T }[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(seq: ArrayLike<number>): T | undefined {
    const bucket = this.buckets.get(hashSequence(seq));
    if (bucket === undefined) return undefined;
    for (const entry of bucket) if (equal(entry.seq, seq)) return entry.value;
    return undefined;
  }

  /** Stores a sequence not yet present (the caller checked with get); keeps a reference to it. */
  set(seq: ArrayLike<number>, value: T): void {
    const h = hashSequence(seq);
    const bucket = this.buckets.get(h);
    if (bucket === undefined) this.buckets.set(h, [{ seq, value }]);
    else bucket.push({ seq, value });
    this.count++;
  }
}
