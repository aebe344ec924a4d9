import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, type Fixtures } from '../../test/helpers';
import { kallsymsReadable, kernelSymbolModule, kernelSymbolName, parseKallsyms, readKallsyms } from './kallsyms';
import { parsePerfMap } from './perfmap';
import { Symbolizer } from './symbolizer';

let fx: Fixtures;
const children: ChildProcess[] = [];
beforeAll(() => {
  fx = buildFixtures();
}, 120_000);
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fx?.cleanup();
});

async function startProg(bin: string, args: string[] = []): Promise<{ child: ChildProcess; addrs: bigint[] }> {
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(buf.split('\n')[0] ?? '');
    });
  });
  return { child, addrs: line.split(' ').map((h) => BigInt(h)) };
}

describe('Symbolizer with live processes', () => {
  it('resolves user frames of a PIE process through its maps and .symtab', async () => {
    const { child, addrs } = await startProg(fx.prog);
    const s = new Symbolizer();
    const pid = child.pid ?? 0;
    s.observe(pid, 'prog');
    expect(s.user(pid, (addrs[0] ?? 0n) + 4n)).toMatchObject({ name: 'fixture_alpha', status: 'symbolized', module: fx.prog });
    expect(s.user(pid, addrs[1] ?? 0n)).toMatchObject({ name: 'fixture_beta', status: 'symbolized' });
    expect(s.user(pid, addrs[2] ?? 0n)).toMatchObject({ name: 'fixture::Gamma::run(int)', mangled: '_ZN7fixture5Gamma3runEi' });
    // Second lookup comes from the per-process cache.
    const hits = s.stats.cacheHits;
    s.user(pid, addrs[1] ?? 0n);
    expect(s.stats.cacheHits).toBe(hits + 1);
    child.stdin?.end();
  });

  it('still symbolizes a process that exited after it was first seen', async () => {
    const { child, addrs } = await startProg(fx.progStripped);
    const s = new Symbolizer();
    const pid = child.pid ?? 0;
    s.observe(pid, 'prog');
    await new Promise<void>((resolve) => {
      child.on('exit', () => resolve());
      child.stdin?.end();
    });
    expect(existsSync(`/proc/${pid}/maps`)).toBe(false);
    expect(s.user(pid, addrs[0] ?? 0n)).toMatchObject({ name: 'fixture_alpha', status: 'symbolized' });
  });

  it('bounds its binary cache by total symbols and re-parses evicted binaries on demand', async () => {
    const { child, addrs } = await startProg(fx.prog);
    const maps = readFileSync(`/proc/${child.pid}/maps`, 'utf8');
    child.stdin?.end();
    const s = new Symbolizer({ procRoot: '/nonexistent', maxSymbols: 1 });
    s.setMaps(1, maps);
    expect(s.user(1, addrs[0] ?? 0n).name).toBe('fixture_alpha');
    const libc = '/lib/x86_64-linux-gnu/libc.so.6';
    s.binary(libc);
    expect(s.seenBinaries().map((b) => b.path)).toEqual([libc]);
    expect(s.user(1, (addrs[1] ?? 0n) + 1n).name).toBe('fixture_beta');
    expect(s.stats.binariesLoaded).toBe(3);
  });

  it('marks frames of a process it never saw as unreadable', () => {
    const s = new Symbolizer();
    expect(s.user(999_999_999, 0x401000n).status).toBe('unreadable');
  });

  it('uses maps given by the sampler (MAPS record) for processes it cannot read', async () => {
    const { child, addrs } = await startProg(fx.prog);
    const maps = readFileSync(`/proc/${child.pid}/maps`, 'utf8');
    const s = new Symbolizer({ procRoot: '/nonexistent' });
    s.setMaps(4242, maps);
    expect(s.user(4242, addrs[0] ?? 0n)).toMatchObject({ name: 'fixture_alpha', status: 'symbolized' });
    child.stdin?.end();
  });

  it('drops a process state when its pid is reused (start time changed)', () => {
    const root = mkdtempSync(join(tmpdir(), 'emberscope-proc-'));
    try {
      const pdir = join(root, '77');
      mkdirSync(pdir);
      const stat = (start: number): string => `77 (x) S ${Array.from({ length: 18 }, () => '0').join(' ')} ${start} 0 0\n`;
      writeFileSync(join(pdir, 'stat'), stat(1000));
      writeFileSync(join(pdir, 'maps'), `00400000-00401000 r-xp 00000000 08:01 1 ${fx.prog}\n`);
      const s = new Symbolizer({ procRoot: root });
      s.observe(77, 'x');
      expect(s.processInfo(77)?.startTime).toBe('1000');
      expect(s.checkReuse(77)).toBe(false);
      writeFileSync(join(pdir, 'stat'), stat(2000));
      writeFileSync(join(pdir, 'maps'), '');
      expect(s.checkReuse(77)).toBe(true);
      expect(s.processInfo(77)?.startTime).toBe('2000');
      expect(s.user(77, 0x400100n).status).toBe('no-symbols');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('resolves JIT frames of a node process from its perf map (--perf-basic-prof)', async () => {
    const script = `function hotLoopForPerfMap(n){let x=0;for(let i=0;i<n;i++)x=(x*31+i)|0;return x}
      let t=Date.now(); while(Date.now()-t<1500) hotLoopForPerfMap(10000);
      process.stdout.write('ready\\n'); setInterval(()=>hotLoopForPerfMap(1000), 50);`;
    // --perf-basic-prof also writes V8's isolate-*.log into the working directory: give it a
    // throwaway one.
    const cwd = mkdtempSync(join(tmpdir(), 'emberscope-jit-'));
    const child = spawn(process.execPath, ['--perf-basic-prof', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd });
    children.push(child);
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    const pid = child.pid ?? 0;
    const path = `/tmp/perf-${pid}.map`;
    try {
      const map = parsePerfMap(readFileSync(path, 'utf8'));
      const i = map.names.findIndex((n) => n.includes('hotLoopForPerfMap'));
      expect(i).toBeGreaterThanOrEqual(0);
      const ip = BigInt((map.starts[i] ?? 0) + 1);
      const s = new Symbolizer();
      s.observe(pid, 'node');
      const f = s.user(pid, ip);
      expect(f.status).toBe('jit');
      expect(f.kind).toBe('jit');
      expect(f.name).toContain('hotLoopForPerfMap');
      expect(f.module).toBe(path);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      rmSync(path, { force: true });
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('kernel symbols', () => {
  it('detects a hidden kallsyms (all zeros) and parses a real one', () => {
    expect(parseKallsyms('0000000000000000 T _stext\n0000000000000000 t foo\t[mod]\n').hidden).toBe(true);
    const k = parseKallsyms('ffffffff81000000 T _stext\nffffffff81000100 t do_thing\nffffffffc0001000 t modfn\t[ext4]\nffffffff81000050 d data\n');
    expect(k.hidden).toBe(false);
    expect([0, 1, 2].map((i) => kernelSymbolName(k, i))).toEqual(['_stext', 'do_thing', 'modfn']);
    expect([0, 1, 2].map((i) => kernelSymbolModule(k, i))).toEqual(['', '', 'ext4']);
    expect([...k.addrs]).toEqual([0xffff81000000, 0xffff81000100, 0xffffc0001000]);
    // Out of order (module lines can be), CRLF-free junk, a zero line among real ones.
    const u = parseKallsyms('ffffffffc0001000 t modfn\t[ext4]\nnot a line\n0000000000000000 T zero\nffffffff81000100 t do_thing\nffffffff81000000 T _stext\n');
    expect([0, 1, 2].map((i) => kernelSymbolName(u, i))).toEqual(['_stext', 'do_thing', 'modfn']);
    expect([0, 1, 2].map((i) => kernelSymbolModule(u, i))).toEqual(['', '', 'ext4']);
    expect(parseKallsyms(new TextEncoder().encode('ffffffff81000000 T _stext\n')).addrs.length).toBe(1);
  });

  it('parses the real /proc/kallsyms as a line-by-line reading does', () => {
    const text = readFileSync('/proc/kallsyms', 'latin1');
    const k = parseKallsyms(readFileSync('/proc/kallsyms'));
    // The agent's own reading goes in 256 KiB chunks: lines cut at chunk ends must come out whole.
    const chunked = readKallsyms();
    expect(chunked.addrs).toEqual(k.addrs);
    expect(Buffer.from(chunked.text).equals(Buffer.from(k.text))).toBe(true);
    const ref = text.split('\n').map((l) => /^(ffff[0-9a-f]{12}) [tTwW] ([^\t]+)(?:\t\[(.+)\])?$/.exec(l)).filter((m) => m !== null);
    if (k.hidden) {
      expect(ref.every((m) => /^0+$/.test(m[1] ?? ''))).toBe(true);
      return;
    }
    expect(k.addrs.length).toBe(ref.length);
    // Several symbols can share an address: the name must be one of them.
    const byAddr = new Map<number, string[][]>();
    for (const m of ref) {
      const a = parseInt((m[1] ?? '').slice(4), 16);
      byAddr.set(a, [...(byAddr.get(a) ?? []), [m[2] ?? '', m[3] ?? '']]);
    }
    for (let i = 0; i < k.addrs.length; i += 997) {
      if (i > 0) expect(k.addrs[i] ?? 0).toBeGreaterThanOrEqual(k.addrs[i - 1] ?? 0);
      expect(byAddr.get(k.addrs[i] ?? -1)).toContainEqual([kernelSymbolName(k, i), kernelSymbolModule(k, i)]);
    }
  });

  it('resolves kernel ips when kallsyms is readable, marks them hidden otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emberscope-ksyms-'));
    try {
      const file = join(dir, 'kallsyms');
      writeFileSync(file, 'ffffffff81000000 T _stext\nffffffff81000100 T do_thing\nffffffffc0001000 t modfn\t[ext4]\n');
      const s = new Symbolizer({ kallsymsPath: file });
      expect(s.kernelFrame(0xffffffff81000123n)).toMatchObject({ name: 'do_thing', module: '[kernel.kallsyms]', status: 'symbolized', kind: 'kernel' });
      expect(s.kernelFrame(0xffffffffc0001010n)).toMatchObject({ name: 'modfn', module: '[ext4]' });
      writeFileSync(file, '0000000000000000 T _stext\n');
      const hidden = new Symbolizer({ kallsymsPath: file });
      expect(hidden.kernelStack([0xffffffff81000123n, 0xffffffff81000200n])).toEqual([
        expect.objectContaining({ name: '[kernel]', status: 'kernel-hidden', kind: 'kernel' }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(kallsymsReadable())('resolves a real kernel address from /proc/kallsyms', () => {
    const line = readFileSync('/proc/kallsyms', 'latin1').split('\n').find((l) => / T schedule$/.test(l));
    expect(line).toBeDefined();
    const addr = BigInt('0x' + (line ?? '').split(' ')[0]);
    expect(new Symbolizer().kernelFrame(addr + 4n).name).toBe('schedule');
  });
});
