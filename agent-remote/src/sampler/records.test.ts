import { describe, expect, it } from 'vitest';
import { RecordParser, type SamplerRecord } from './records';
import { concat, encodeCaps, encodeBuildIdStack, encodeCount, encodeEnd, encodeError, encodeHeader, encodeKallsyms, encodeMaps, encodeStack, encodeStats } from './encode';

function parseAll(bytes: Uint8Array, chunk = bytes.byteLength): SamplerRecord[] {
  const p = new RecordParser();
  const out: SamplerRecord[] = [];
  for (let i = 0; i < bytes.byteLength; i += chunk) out.push(...p.push(bytes.subarray(i, i + chunk)));
  p.end();
  return out;
}

const stream = concat([
  encodeHeader({ hz: 199, ncpus: 2, flags: 7, samplerPid: 42 }),
  encodeCaps(1, { effective: 0xc000000000n, permitted: 0xc000000000n }, true),
  encodeMaps(100, '00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n'),
  encodeStack(1, 0, [0x401000n, 0x401234n]),
  encodeStack(2, 1, [0xffffffff81000010n]),
  encodeBuildIdStack(3, [{ status: 1, buildId: 'ab'.repeat(20), offsetOrIp: 0x1234n }, { status: 2, buildId: '', offsetOrIp: 0x7fff0000n }]),
  encodeCount({ tgid: 100, pid: 101, userStackId: 1, kernelStackId: 2, comm: 'hot-c', count: 17 }),
  encodeCount({ tgid: 100, pid: 102, userStackId: 1, kernelStackId: -14, comm: 'a-very-long-command-name', count: 3 }),
  encodeStats({ interval: 1, samples: 20, monoNs: 5n, lost: [1, 2, 3, 4] }),
  encodeError('EPERM', 'missing CAP_BPF'),
  encodeEnd(2, 20, 10),
]);

// Fuzz properties of the parser: records.fuzz.test.ts.
describe('sampler record parser', () => {
  it('decodes a KALLSYMS record (flags, then the text)', () => {
    const recs = parseAll(concat([encodeHeader(), encodeKallsyms('ffffffff81000000 T _stext\n'), encodeKallsyms('', 2)]));
    expect(recs[1]).toEqual({ type: 'kallsyms', truncated: false, hidden: false, bytes: new TextEncoder().encode('ffffffff81000000 T _stext\n') });
    expect(recs[2]).toEqual({ type: 'kallsyms', truncated: false, hidden: true, bytes: new Uint8Array(0) });
  });

  it('decodes every record type', () => {
    const recs = parseAll(stream);
    expect(recs.map((r) => r.type)).toEqual(['header', 'caps', 'maps', 'stack', 'stack', 'stack', 'count', 'count', 'stats', 'error', 'end']);
    const h = recs[0];
    expect(h).toMatchObject({ type: 'header', version: 1, hz: 199, ncpus: 2, flags: 7, samplerPid: 42, clock: 1 });
    expect(recs.shift()).toBeDefined();
    expect(recs.shift()).toEqual({ type: 'caps', stage: 1, noNewPrivs: true, effective: '000000c000000000', permitted: '000000c000000000', inheritable: '0000000000000000', ambient: '0000000000000000', bounding: '0000000000000000' });
    recs.unshift(h as SamplerRecord);
    expect(recs[1]).toMatchObject({ type: 'maps', tgid: 100, truncated: false, unreadable: false });
    expect(recs[2]).toEqual({ type: 'stack', stackId: 1, kind: 0, ips: [0x401000n, 0x401234n], key: expect.any(String) });
    expect(recs[3]).toEqual({ type: 'stack', stackId: 2, kind: 1, ips: [0xffffffff81000010n], key: expect.any(String) });
    // The key is the stack's content: the same frames give the same key.
    const again = parseAll(Buffer.concat([encodeHeader({}), encodeStack(9, 0, [0x401000n, 0x401234n])]))[1];
    expect(again?.type === 'stack' && again.key).toBe(recs[2]?.type === 'stack' && recs[2].key);
    expect(recs[4]).toMatchObject({ type: 'stack', stackId: 3, kind: 2 });
    if (recs[4]?.type === 'stack' && recs[4].kind === 2) {
      expect(recs[4].frames[0]).toEqual({ status: 1, buildId: 'ab'.repeat(20), offsetOrIp: 0x1234n });
      expect(recs[4].frames[1]?.status).toBe(2);
    }
    expect(recs[5]).toEqual({ type: 'count', tgid: 100, pid: 101, userStackId: 1, kernelStackId: 2, comm: 'hot-c', count: 17 });
    expect(recs[6]).toMatchObject({ kernelStackId: -14, comm: 'a-very-long-com' });
    expect(recs[7]).toMatchObject({ type: 'stats', interval: 1, samples: 20, lostMapFull: 1, lostUserStack: 2, lostKernelStack: 3, lostOther: 4, filtered: 0, idle: 0 });
    expect(recs[8]).toEqual({ type: 'error', code: 'EPERM', message: 'missing CAP_BPF' });
    expect(recs[9]).toMatchObject({ type: 'end', reason: 2, totalSamples: 20, totalLost: 10 });
  });

  it('gives the same records whatever the chunking', () => {
    const whole = parseAll(stream);
    for (const chunk of [1, 3, 7, 8, 13, 64]) expect(parseAll(stream, chunk)).toEqual(whole);
  });

  it('skips unknown record types (the format may grow)', () => {
    const unknown = new Uint8Array(8 + 5);
    new DataView(unknown.buffer).setUint32(0, 99, true);
    new DataView(unknown.buffer).setUint32(4, 5, true);
    const recs = parseAll(concat([encodeHeader(), unknown, encodeEnd(0)]));
    expect(recs.map((r) => r.type)).toEqual(['header', 'unknown', 'end']);
  });

  it('rejects bad magic, versions, records before the header, oversize records, and cut streams', () => {
    const badMagic = encodeHeader();
    badMagic[8] = 0x58;
    expect(() => parseAll(badMagic)).toThrow(/bad magic/);
    expect(() => parseAll(encodeHeader({ version: 2 }))).toThrow(/unsupported format version 2/);
    expect(() => parseAll(encodeEnd(0))).toThrow(/before the header/);
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setUint32(0, 2, true);
    new DataView(huge.buffer).setUint32(4, 0xffffffff, true);
    expect(() => parseAll(concat([encodeHeader(), huge]))).toThrow(/bound/);
    expect(() => parseAll(stream.subarray(0, stream.byteLength - 3))).toThrow(/ended inside a record/);
    const shortCount = encodeCount({ tgid: 1, pid: 1, userStackId: 1, kernelStackId: 1, comm: 'x', count: 1 }).subarray(0, 8 + 20);
    new DataView(shortCount.buffer, shortCount.byteOffset).setUint32(4, 20, true);
    expect(() => parseAll(concat([encodeHeader(), shortCount]))).toThrow(/count record of 20 bytes/);
    const manyFrames = encodeStack(1, 0, []);
    new DataView(manyFrames.buffer).setUint32(8 + 8, 1_000_000, true);
    expect(() => parseAll(concat([encodeHeader(), manyFrames]))).toThrow(/frames/);
  });
});
