// A minimal protobuf writer for the pprof encoder: varints, strings and length-delimited
// messages into one growing buffer. A message reserves one length byte and shifts its body
// when the length needs more (pprof's messages are almost all under 128 bytes), so nothing
// is measured twice and nothing is allocated per message.

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const TWO_32 = 2 ** 32;

export class ProtoWriter {
  private buf: Uint8Array;
  private pos = 0;
  private readonly utf8 = new TextEncoder();

  constructor(initialBytes = 1 << 16) {
    this.buf = new Uint8Array(initialBytes);
  }

  get length(): number {
    return this.pos;
  }

  /** A non-negative safe integer as a varint. */
  uint(value: number): void {
    this.reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** An unsigned 64-bit integer given as its high and low 32-bit halves. */
  uint64(hi: number, lo: number): void {
    if (hi === 0) return this.uint(lo);
    if (hi < 0x200000) return this.uint(hi * TWO_32 + lo);
    this.reserve(10);
    // Beyond 2^53: seven bits at a time from the low half, then from both.
    let h = hi >>> 0;
    let l = lo >>> 0;
    while (h !== 0 || l >= 0x80) {
      this.buf[this.pos++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    this.buf[this.pos++] = l;
  }

  /** A non-negative integer that may exceed 2^53. */
  bigUint(value: number | bigint): void {
    if (typeof value === 'number') return this.uint(value);
    this.uint64(Number((value >> 32n) & 0xffffffffn), Number(value & 0xffffffffn));
  }

  /** A signed whole number as protobuf's int64 (a negative one in ten bytes, two's complement). */
  int64(value: number): void {
    if (value >= 0) return this.bigUint(Number.isSafeInteger(value) ? value : BigInt(value));
    this.bigUint(BigInt.asUintN(64, BigInt(value)));
  }

  tag(field: number, wire: number): void {
    this.uint(field * 8 + wire);
  }

  /** A varint field, omitted when zero (proto3). */
  uintField(field: number, value: number): void {
    if (value === 0) return;
    this.tag(field, WIRE_VARINT);
    this.uint(value);
  }

  bigUintField(field: number, value: number | bigint): void {
    if (value === 0 || value === 0n) return;
    this.tag(field, WIRE_VARINT);
    this.bigUint(value);
  }

  boolField(field: number, value: boolean): void {
    if (value) this.uintField(field, 1);
  }

  /** A string field, written even when empty (pprof's string table needs "" at index 0). */
  stringField(field: number, value: string): void {
    const start = this.begin(field);
    this.reserve(value.length * 3);
    this.pos += this.utf8.encodeInto(value, this.buf.subarray(this.pos)).written;
    this.end(start);
  }

  /** Packed repeated varints. */
  packedField(field: number, values: readonly number[], add = 0): void {
    if (values.length === 0) return;
    const start = this.begin(field);
    for (const v of values) this.uint(v + add);
    this.end(start);
  }

  /** Starts a length-delimited field; returns the position that `end` needs. */
  begin(field: number): number {
    this.tag(field, WIRE_LEN);
    this.reserve(1);
    return this.pos++;
  }

  end(start: number): void {
    const length = this.pos - start - 1;
    let size = 1;
    for (let v = length; v >= 0x80; v = Math.floor(v / 0x80)) size++;
    if (size > 1) {
      this.reserve(size - 1);
      this.buf.copyWithin(start + size, start + 1, this.pos);
      this.pos += size - 1;
    }
    let v = length;
    let at = start;
    while (v >= 0x80) {
      this.buf[at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[at] = v;
  }

  /** The bytes written (a view: no copy of a large profile). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}
