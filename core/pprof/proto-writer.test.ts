import { Label, Line, Location } from 'pprof-format';
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './proto-writer';

/** Reference varint: seven bits at a time with BigInt. */
function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const hex = (b: Uint8Array | number[]): string => Buffer.from(b).toString('hex');

describe('ProtoWriter', () => {
  it('writes varints like the reference at every size boundary, up to 2^64 - 1', () => {
    const values: bigint[] = [0n, 1n, 127n, 128n, 300n, 16383n, 16384n, 2n ** 31n - 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 35n + 5n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 56n + 3n, 0xffffffff81000000n, 2n ** 63n, 2n ** 64n - 1n];
    for (const v of values) {
      const w = new ProtoWriter(4);
      w.bigUint(v);
      expect(hex(w.finish()), v.toString()).toBe(hex(varint(v)));
      if (v <= BigInt(Number.MAX_SAFE_INTEGER)) {
        const n = new ProtoWriter(4);
        n.uint(Number(v));
        expect(hex(n.finish()), v.toString()).toBe(hex(varint(v)));
      }
    }
  });

  it('writes messages byte for byte as pprof-format does, also when a length needs two or three bytes', () => {
    for (const length of [0, 5, 127, 128, 200, 16383, 16384, 40000]) {
      const name = 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2);
      const w = new ProtoWriter(8);
      w.stringField(2, name);
      // Tag 0x12 (field 2, length-delimited), the varint length, the UTF-8 bytes.
      const bytes = Buffer.from(name, 'utf8');
      expect(hex(w.finish())).toBe(hex([0x12, ...varint(BigInt(bytes.length)), ...bytes]));
    }
    const w = new ProtoWriter(2);
    const location = w.begin(1);
    w.uintField(1, 7);
    w.uintField(2, 3);
    w.bigUintField(3, 0xffffffff81000000n);
    const line = w.begin(4);
    w.uintField(1, 9);
    w.uintField(2, 42);
    w.end(line);
    w.end(location);
    const reference = new Location({ id: 7, mappingId: 3, address: 0xffffffff81000000n, line: [new Line({ functionId: 9, line: 42 })] }).encode();
    expect(hex(w.finish())).toBe(hex([0x0a, ...varint(BigInt(reference.length)), ...reference]));
    const l = new ProtoWriter(1);
    const at = l.begin(3);
    l.uintField(1, 5);
    l.uintField(3, 4242);
    l.end(at);
    const label = new Label({ key: 5, num: 4242 }).encode();
    expect(hex(l.finish())).toBe(hex([0x1a, ...varint(BigInt(label.length)), ...label]));
  });

  it('packs repeated varints with an offset and omits empty and zero fields', () => {
    const w = new ProtoWriter(1);
    w.packedField(1, [0, 127, 299], 1);
    w.packedField(2, []);
    w.uintField(3, 0);
    w.boolField(4, false);
    w.boolField(5, true);
    expect(hex(w.finish())).toBe(hex([0x0a, 5, 1, 0x80, 0x01, 0xac, 0x02, 0x28, 1]));
  });
});
