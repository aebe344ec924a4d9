// A test-only reader of the sampler's record stream (bpf/FORMAT.md). The agent has its own.

export interface Header {
  magic: string;
  version: number;
  flags: number;
  clock: number;
  hz: number;
  ncpus: number;
  maxDepth: number;
  samplerPid: number;
  startMonoNs: bigint;
  startRealNs: bigint;
}
export interface BuildIdFrame {
  status: number;
  buildId: string;
  offsetOrIp: bigint;
}
export interface Stack {
  stackId: number;
  kind: number;
  ips: bigint[];
  buildIdFrames: BuildIdFrame[];
}
export interface Count {
  tgid: number;
  pid: number;
  userStackId: number;
  kernelStackId: number;
  comm: string;
  count: number;
  /** The stacks as defined when this COUNT was read (resolved by the reader). */
  userStack?: Stack;
  kernelStack?: Stack;
}
export interface Stats {
  interval: number;
  monoNs: bigint;
  samples: number;
  lostMapFull: number;
  lostUserStack: number;
  lostKernelStack: number;
  lostOther: number;
  filtered: number;
  idle: number;
}
export interface End {
  reason: number;
  monoNs: bigint;
  totalSamples: number;
  totalLost: number;
}
export interface Caps {
  stage: number;
  noNewPrivs: number;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
  bounding: bigint;
}
export interface Maps {
  tgid: number;
  flags: number;
  text: string;
}
export interface Kallsyms {
  flags: number;
  text: string;
}
export interface Records {
  header?: Header;
  stacks: number;
  counts: Count[];
  /** COUNTs grouped by interval (index = STATS.interval). */
  countsByInterval: Count[][];
  stats: Stats[];
  end?: End;
  errors: { code: string; message: string }[];
  maps: Maps[];
  caps: Caps[];
  kallsyms?: Kallsyms;
  /** Types in stream order, for order checks. */
  order: number[];
}

export function parseRecords(buf: Buffer): Records {
  const out: Records = { stacks: 0, counts: [], countsByInterval: [], stats: [], errors: [], maps: [], caps: [], order: [] };
  const defined = new Map<string, Stack>();
  let current: Count[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 8 > buf.length) throw new Error(`truncated frame header at ${off}`);
    const type = buf.readUInt32LE(off);
    const length = buf.readUInt32LE(off + 4);
    const p = buf.subarray(off + 8, off + 8 + length);
    if (p.length !== length) throw new Error(`truncated record of type ${type} at ${off}`);
    off += 8 + length;
    out.order.push(type);
    switch (type) {
      case 1:
        out.header = {
          magic: p.subarray(0, 4).toString('latin1'), version: p.readUInt16LE(4), flags: p.readUInt16LE(6),
          clock: p.readUInt32LE(8), hz: p.readUInt32LE(12), ncpus: p.readUInt32LE(16), maxDepth: p.readUInt32LE(20),
          samplerPid: p.readUInt32LE(24), startMonoNs: p.readBigUInt64LE(28), startRealNs: p.readBigUInt64LE(36),
        };
        break;
      case 2: {
        const stack: Stack = { stackId: p.readUInt32LE(0), kind: p.readUInt8(4), ips: [], buildIdFrames: [] };
        const n = p.readUInt32LE(8);
        for (let i = 0; i < n; i++) {
          if (stack.kind === 2) {
            const f = p.subarray(12 + i * 32, 12 + (i + 1) * 32);
            stack.buildIdFrames.push({ status: f.readUInt8(0), buildId: f.subarray(4, 24).toString('hex'), offsetOrIp: f.readBigUInt64LE(24) });
          } else {
            stack.ips.push(p.readBigUInt64LE(12 + i * 8));
          }
        }
        const space = stack.kind === 1 ? 'k' : 'u';
        defined.set(`${space}${stack.stackId}`, stack);
        out.stacks++;
        break;
      }
      case 3: {
        const c: Count = {
          tgid: p.readUInt32LE(0), pid: p.readUInt32LE(4), userStackId: p.readInt32LE(8), kernelStackId: p.readInt32LE(12),
          comm: p.subarray(16, 32).toString('utf8').replace(/\0.*$/s, ''), count: Number(p.readBigUInt64LE(32)),
        };
        if (c.userStackId >= 0) {
          c.userStack = defined.get(`u${c.userStackId}`);
          if (!c.userStack) throw new Error(`COUNT refers to undefined user stack ${c.userStackId}`);
        }
        if (c.kernelStackId >= 0) {
          c.kernelStack = defined.get(`k${c.kernelStackId}`);
          if (!c.kernelStack) throw new Error(`COUNT refers to undefined kernel stack ${c.kernelStackId}`);
        }
        out.counts.push(c);
        current.push(c);
        break;
      }
      case 4: {
        const v = (i: number): number => Number(p.readBigUInt64LE(i * 8));
        out.stats.push({
          interval: v(0), monoNs: p.readBigUInt64LE(8), samples: v(2), lostMapFull: v(3), lostUserStack: v(4),
          lostKernelStack: v(5), lostOther: v(6), filtered: v(7), idle: v(8),
        });
        out.countsByInterval.push(current);
        current = [];
        defined.clear(); // ids are only valid within their interval
        break;
      }
      case 5:
        out.end = { reason: p.readUInt32LE(0), monoNs: p.readBigUInt64LE(8), totalSamples: Number(p.readBigUInt64LE(16)), totalLost: Number(p.readBigUInt64LE(24)) };
        break;
      case 6: {
        const len = p.readUInt32LE(0);
        out.errors.push({ code: p.subarray(4, 4 + len).toString('latin1'), message: p.subarray(4 + len).toString('utf8') });
        break;
      }
      case 7:
        out.maps.push({ tgid: p.readUInt32LE(0), flags: p.readUInt32LE(4), text: p.subarray(8).toString('utf8') });
        break;
      case 8:
        out.caps.push({
          stage: p.readUInt32LE(0), noNewPrivs: p.readUInt32LE(4), effective: p.readBigUInt64LE(8), permitted: p.readBigUInt64LE(16),
          inheritable: p.readBigUInt64LE(24), ambient: p.readBigUInt64LE(32), bounding: p.readBigUInt64LE(40),
        });
        break;
      case 9:
        out.kallsyms = { flags: p.readUInt32LE(0), text: p.subarray(4).toString('latin1') };
        break;
      default:
        break; // unknown types are skipped
    }
  }
  return out;
}
