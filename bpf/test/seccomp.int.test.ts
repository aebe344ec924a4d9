// The sampler's seccomp filter (bpf/seccomp.c) against the real kernel: the shipped sampler is
// sealed while it captures, still captures everything it should, and a forbidden system call
// kills it. The forbidden calls come from a test build (`make test-build`: the same sources with
// -DEMBERSCOPE_TEST_FORBIDDEN_SYSCALL), built here into a temporary directory; the shipped
// artifact does not know the flag. Root runs these tests (the fixture creates users).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestHost, type TestHost } from '../../scripts/test-host';
import { CAP_PERFMON, SAMPLER, run, runSampler, sleep, startSampler } from './sampler-helpers';
import { parseRecords, type Records } from './records';

const here = dirname(fileURLToPath(import.meta.url));
const MANIFEST = join(here, '..', '..', 'assets', 'manifest.json');
const SEALED = /^emberscope-sampler: info: seccomp filter on: (\d+) system calls allowed, any other kills the sampler \(SIGSYS\)$/m;
const FLAG = 'test-forbidden-syscall';
/** Each proves one rule: an unlisted call, an argument check, or the architecture check. */
const FORBIDDEN = [
  'socket', // not on the list at all
  'execve',
  'mprotect',
  'open-write', // openat is allowed with --maps, but only O_RDONLY|O_CLOEXEC
  'bpf-prog-load', // bpf() is allowed for the four map commands only
  'write-fd', // write() is allowed to stdout and stderr only
  'mmap-exec', // mmap() is allowed without PROT_EXEC only
  ...(process.arch === 'x64' ? ['x32'] : []), // the x32 ABI: same AUDIT_ARCH, bit 30 in the number
  // A 32-bit compat call (AUDIT_ARCH_I386): only where the kernel runs 32-bit code at all.
  ...(process.arch === 'x64' && existsSync('/proc/sys/abi/vsyscall32') ? ['i386'] : []),
];

let host: TestHost;
let dir: string;
let testBuild: string;
let capsBin: string;
let syslogBin: string;

function asUser(argv: string[]): string[] {
  const uid = String(host.facts.uid);
  return ['setpriv', '--reuid', uid, '--regid', uid, '--init-groups', '--', ...argv];
}

async function status(pid: number): Promise<Map<string, string>> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return new Map(text.split('\n').map((l) => [l.split(':')[0] ?? '', l.slice(l.indexOf(':') + 1).trim()]));
}

/** Waits until the sampler has installed its filter (it does so right after the drop). */
async function waitSealed(pid: number, timeoutMs = 15_000): Promise<Map<string, string>> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const st = await status(pid).catch(() => new Map<string, string>());
    if (st.get('Seccomp') === '2') return st;
    await sleep(20);
  }
  throw new Error(`sampler ${pid} showed no Seccomp: 2 within ${timeoutMs} ms`);
}

async function emberPrograms(): Promise<Set<number>> {
  const { stdout } = await run('bpftool', ['prog', 'show', '--json']);
  const progs = JSON.parse(stdout) as { id: number; name?: string }[];
  return new Set(progs.filter((p) => p.name?.startsWith('ember')).map((p) => p.id));
}

function complete(r: Records): void {
  expect(r.header?.magic).toBe('EMBS');
  expect(r.errors).toEqual([]);
  expect(r.end).toBeDefined();
  expect(r.order[r.order.length - 1]).toBe(5);
}

beforeAll(async () => {
  host = await startTestHost();
  // A directory the test user can reach (the state directory is 0755; /tmp is 0700 here).
  dir = join(host.facts.stateDir, 'seccomp');
  await mkdir(dir, { mode: 0o755 });
  await chmod(dir, 0o755);
  const out = join(dir, 'build');
  await run('make', ['-s', '-C', join(here, '..'), 'test-build', `OUTPUT=${out}`], { maxBuffer: 16 << 20 });
  testBuild = join(out, 'emberscope-sampler-test');
  capsBin = join(dir, 'emberscope-sampler-caps');
  syslogBin = join(dir, 'emberscope-sampler-syslog');
  for (const f of [capsBin, syslogBin]) {
    await copyFile(SAMPLER, f);
    await chmod(f, 0o755);
  }
  await run('setcap', ['cap_bpf,cap_perfmon=ep', capsBin]);
  await run('setcap', ['cap_bpf,cap_perfmon,cap_syslog=ep', syslogBin]);
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  await host.stop();
});

describe('the sampler under its seccomp filter', () => {
  it('the shipped sampler has no test-only flag: it refuses --test-forbidden-syscall, and no such string is in its file', async () => {
    const r = await run(SAMPLER, [`--${FLAG}`, 'socket']).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`emberscope-sampler: BAD_OPTION: unknown option '--${FLAG}' (see --help)`);
    const shipped = await readFile(SAMPLER);
    expect(shipped.includes(FLAG)).toBe(false);
    expect(shipped.includes('TEST: forbidden')).toBe(false);
    // The check can fail: the test build does hold the flag, and it is no artifact of the manifest.
    const test = await readFile(testBuild);
    expect(test.includes(FLAG)).toBe(true);
    const manifest = await readFile(MANIFEST, 'utf8');
    expect(manifest).toContain(createHash('sha256').update(shipped).digest('hex'));
    expect(manifest).not.toContain(createHash('sha256').update(test).digest('hex'));
  });

  it('while it captures, /proc/PID/status shows Seccomp: 2, NoNewPrivs: 1, no effective capability, and no core dump', async () => {
    const w = await host.startWorkload('c', { seconds: 20, threads: 1 });
    try {
      for (const maps of [true, false]) {
        const s = startSampler(asUser([capsBin, '--pid', String(w.pid), ...(maps ? ['--maps'] : []), '--interval-ms', '200', '--duration', '20']));
        await waitSealed(s.pid);
        await sleep(700); // a few drains and maps reads under the filter, then look again
        const st = await status(s.pid);
        const limits = await readFile(`/proc/${s.pid}/limits`, 'utf8');
        s.child.kill('SIGTERM');
        const r = await s.done;
        expect(r.code, r.stderr).toBe(0);
        complete(r.records);
        expect(r.records.end?.reason).toBe(1);
        expect(st.get('Seccomp')).toBe('2');
        expect(st.get('NoNewPrivs')).toBe('1');
        expect(st.get('Seccomp_filters')).toBe('1');
        expect(st.get('CapEff')).toBe('0000000000000000');
        expect(st.get('CapInh')).toBe('0000000000000000');
        expect(st.get('CapAmb')).toBe('0000000000000000');
        // --maps keeps CAP_PERFMON permitted (raised only around each open of /proc/PID/maps).
        expect(BigInt(`0x${st.get('CapPrm') ?? ''}`)).toBe(maps ? CAP_PERFMON : 0n);
        expect(limits).toMatch(/^Max core file size\s+0\s+0\s+bytes/m);
        // 16 system calls; --maps adds openat (read-only) and capset.
        expect(SEALED.exec(r.stderr)?.[1], r.stderr).toBe(maps ? '18' : '16');
        expect(r.records.counts.some((c) => c.tgid === w.pid)).toBe(true);
      }
    } finally {
      await w.stop();
    }
  });

  it('a forbidden system call after the filter kills the sampler with SIGSYS (test build)', async () => {
    // The control: the test build without the flag is a working sampler.
    const control = await runSampler([testBuild, '--maps', '--duration', '1']);
    expect(control.code, control.stderr).toBe(0);
    complete(control.records);
    const before = await emberPrograms();
    for (const name of FORBIDDEN) {
      const r = await runSampler([testBuild, '--maps', `--${FLAG}`, name, '--duration', '10']);
      expect({ name, code: r.code, signal: r.signal }).toEqual({ name, code: null, signal: 'SIGSYS' });
      // It died after attaching, sealing and writing its first records, before any END.
      expect(r.stderr, name).toMatch(SEALED);
      expect(r.stderr, name).not.toMatch(/TEST:/);
      expect(r.records.header?.magic, name).toBe('EMBS');
      expect(r.records.caps.map((c) => c.stage), name).toEqual([0, 1]);
      expect(r.records.end, name).toBeUndefined();
    }
    // The kernel took its BPF programs with it.
    const until = Date.now() + 5000;
    let left: number[] = [];
    do {
      left = [...(await emberPrograms())].filter((id) => !before.has(id));
      if (left.length > 0) await sleep(100);
    } while (left.length > 0 && Date.now() < until);
    expect(left).toEqual([]);
  });

  it('captures normally with the filter on: samples, --maps, --kallsyms, --build-id, END', async () => {
    const w = await host.startWorkload('c', { seconds: 20, threads: 1 });
    try {
      await sleep(200);
      const r = await runSampler(asUser([syslogBin, '--pid', String(w.pid), '--maps', '--kallsyms', '--interval-ms', '250', '--duration', '3']));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(SEALED);
      complete(r.records);
      expect(r.records.end?.reason).toBe(0);
      expect(r.records.stats.length).toBeGreaterThanOrEqual(10);
      // Kernel symbols were read before the drop and written after the filter went on.
      expect(r.records.kallsyms?.flags).toBe(0);
      expect(r.records.kallsyms?.text).toMatch(/^[0-9a-f]{16} [tT] \S+/m);
      expect(r.records.kallsyms?.text).not.toMatch(/^0{16} /m);
      expect(r.records.caps.find((c) => c.stage === 1)?.effective).toBe(0n);
      // /proc/PID/maps of another user's process, opened under the filter.
      expect(r.records.maps.find((m) => m.tgid === w.pid)?.flags).toBe(0);
      const counts = r.records.counts.filter((c) => c.tgid === w.pid);
      expect(counts.reduce((a, c) => a + c.count, 0)).toBeGreaterThan(50);
      expect(counts.some((c) => (c.userStack?.ips.length ?? 0) > 0)).toBe(true);

      const b = await runSampler(asUser([capsBin, '--pid', String(w.pid), '--build-id', '--duration', '2']));
      expect(b.code, b.stderr).toBe(0);
      complete(b.records);
      expect(b.records.counts.some((c) => c.tgid === w.pid && c.userStack?.buildIdFrames.some((f) => f.status === 1))).toBe(true);
    } finally {
      await w.stop();
    }
  });

  it('survives SIGSTOP/SIGCONT mid-sleep and exits 0 when its reader goes away (broken pipe)', async () => {
    // A poll or sleep interrupted by a stop resumes through restart_syscall: allowed.
    const s = startSampler([SAMPLER, '--interval-ms', '500', '--duration', '3']);
    await waitSealed(s.pid);
    s.child.kill('SIGSTOP');
    await sleep(400);
    s.child.kill('SIGCONT');
    const r = await s.done;
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 0, signal: null });
    complete(r.records);
    expect(r.records.end?.reason).toBe(0);

    // The reader closes its end after the first records: the next write fails with EPIPE.
    const child = spawn(SAMPLER, ['--interval-ms', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    const first = await new Promise<Buffer>((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    const e = await Promise.race([exit, sleep(10_000).then(() => undefined)]);
    if (e === undefined) child.kill('SIGKILL');
    expect(parseRecords(first.subarray(0, 52)).header?.magic).toBe('EMBS');
    expect(stderr).toMatch(SEALED);
    expect(e).toEqual({ code: 0, signal: null });
  });
});
