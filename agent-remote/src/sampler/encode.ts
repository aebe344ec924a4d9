// Encoder of sampler records (the inverse of records.ts), for tests and fakes.
function rec(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.byteLength);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, payload.byteLength, true);
  out.set(payload, 8);
  return out;
}

export function encodeHeader(h: { hz?: number; ncpus?: number; maxDepth?: number; samplerPid?: number; flags?: number; version?: number; startMonoNs?: bigint; startRealNs?: bigint } = {}): Uint8Array {
  const p = new Uint8Array(44);
  const v = new DataView(p.buffer);
  p.set([0x45, 0x4d, 0x42, 0x53], 0);
  v.setUint16(4, h.version ?? 1, true);
  v.setUint16(6, h.flags ?? 0, true);
  v.setUint32(8, 1, true);
  v.setUint32(12, h.hz ?? 99, true);
  v.setUint32(16, h.ncpus ?? 2, true);
  v.setUint32(20, h.maxDepth ?? 127, true);
  v.setUint32(24, h.samplerPid ?? 1234, true);
  v.setBigUint64(28, h.startMonoNs ?? 1_000_000n, true);
  v.setBigUint64(36, h.startRealNs ?? 1_700_000_000_000_000_000n, true);
  return rec(1, p);
}

export function encodeStack(stackId: number, kind: 0 | 1, ips: readonly bigint[]): Uint8Array {
  const p = new Uint8Array(12 + ips.length * 8);
  const v = new DataView(p.buffer);
  v.setUint32(0, stackId, true);
  v.setUint8(4, kind);
  v.setUint32(8, ips.length, true);
  ips.forEach((ip, i) => v.setBigUint64(12 + i * 8, ip, true));
  return rec(2, p);
}

export function encodeBuildIdStack(stackId: number, frames: readonly { status: number; buildId: string; offsetOrIp: bigint }[]): Uint8Array {
  const p = new Uint8Array(12 + frames.length * 32);
  const v = new DataView(p.buffer);
  v.setUint32(0, stackId, true);
  v.setUint8(4, 2);
  v.setUint32(8, frames.length, true);
  frames.forEach((f, i) => {
    const o = 12 + i * 32;
    v.setUint8(o, f.status);
    const id = Buffer.from(f.buildId.padEnd(40, '0').slice(0, 40), 'hex');
    p.set(id, o + 4);
    v.setBigUint64(o + 24, f.offsetOrIp, true);
  });
  return rec(2, p);
}

export function encodeCount(c: { tgid: number; pid: number; userStackId: number; kernelStackId: number; comm: string; count: number }): Uint8Array {
  const p = new Uint8Array(40);
  const v = new DataView(p.buffer);
  v.setUint32(0, c.tgid, true);
  v.setUint32(4, c.pid, true);
  v.setInt32(8, c.userStackId, true);
  v.setInt32(12, c.kernelStackId, true);
  p.set(Buffer.from(c.comm, 'utf8').subarray(0, 15), 16);
  v.setBigUint64(32, BigInt(c.count), true);
  return rec(3, p);
}

export function encodeStats(s: { interval: number; samples: number; monoNs?: bigint; lost?: [number, number, number, number]; filtered?: number; idle?: number }): Uint8Array {
  const p = new Uint8Array(72);
  const v = new DataView(p.buffer);
  v.setBigUint64(0, BigInt(s.interval), true);
  v.setBigUint64(8, s.monoNs ?? 0n, true);
  v.setBigUint64(16, BigInt(s.samples), true);
  const l = s.lost ?? [0, 0, 0, 0];
  l.forEach((x, i) => v.setBigUint64(24 + i * 8, BigInt(x), true));
  v.setBigUint64(56, BigInt(s.filtered ?? 0), true);
  v.setBigUint64(64, BigInt(s.idle ?? 0), true);
  return rec(4, p);
}

export function encodeEnd(reason: number, totalSamples = 0, totalLost = 0): Uint8Array {
  const p = new Uint8Array(32);
  const v = new DataView(p.buffer);
  v.setUint32(0, reason, true);
  v.setBigUint64(16, BigInt(totalSamples), true);
  v.setBigUint64(24, BigInt(totalLost), true);
  return rec(5, p);
}

export function encodeError(code: string, message: string): Uint8Array {
  const c = Buffer.from(code);
  const m = Buffer.from(message);
  const p = new Uint8Array(4 + c.length + m.length);
  new DataView(p.buffer).setUint32(0, c.length, true);
  p.set(c, 4);
  p.set(m, 4 + c.length);
  return rec(6, p);
}

export function encodeCaps(stage: number, masks: { effective?: bigint; permitted?: bigint; inheritable?: bigint; ambient?: bigint; bounding?: bigint } = {}, noNewPrivs = false): Uint8Array {
  const p = new Uint8Array(48);
  const v = new DataView(p.buffer);
  v.setUint32(0, stage, true);
  v.setUint32(4, noNewPrivs ? 1 : 0, true);
  v.setBigUint64(8, masks.effective ?? 0n, true);
  v.setBigUint64(16, masks.permitted ?? 0n, true);
  v.setBigUint64(24, masks.inheritable ?? 0n, true);
  v.setBigUint64(32, masks.ambient ?? 0n, true);
  v.setBigUint64(40, masks.bounding ?? 0n, true);
  return rec(8, p);
}

export function encodeMaps(tgid: number, text: string, truncated = false): Uint8Array {
  const t = Buffer.from(text);
  const p = new Uint8Array(8 + t.length);
  const v = new DataView(p.buffer);
  v.setUint32(0, tgid, true);
  v.setUint32(4, truncated ? 1 : 0, true);
  p.set(t, 8);
  return rec(7, p);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

export function encodeKallsyms(text: string, flags = 0): Uint8Array {
  const t = Buffer.from(text, 'latin1');
  const p = new Uint8Array(4 + t.length);
  new DataView(p.buffer).setUint32(0, flags, true);
  p.set(t, 4);
  return rec(9, p);
}
