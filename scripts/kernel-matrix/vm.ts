// The kernel matrix's two steps: build one initramfs (busybox, the shipped static sampler, the
// agent bundle with this machine's Node and its shared libraries, the C workload, the guest
// driver; setpriv, setcap and bpftool with their libraries), and boot a kernel with it under qemu-system-x86_64 (software emulation, no KVM),
// reading the guest's result from the serial console.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseGuestOutput, type GuestResult } from './result';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const kernelsDir = join(repoRoot, 'build', 'kernels');

// EMBERSCOPE_MATRIX_SAMPLER: try a sampler build (e.g. bpf/.output/emberscope-sampler) in the
// matrix before it becomes the committed artifact.
const SAMPLER = process.env['EMBERSCOPE_MATRIX_SAMPLER'] ?? join(repoRoot, 'assets', 'linux-x86_64', 'emberscope-sampler');
const AGENT = join(repoRoot, 'dist', 'agent', 'agent.cjs');
const LOCKED = 'EMBER-LOCK-TAKEN';

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t securityfs securityfs /sys/kernel/security
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mode=capture
case " $(cat /proc/cmdline) " in
  *" ember.mode=no-btf "*)
    # What a kernel without CONFIG_DEBUG_INFO_BTF looks like to the sampler and the agent.
    mode=no-btf
    mount -t tmpfs -o ro,mode=0555 no-btf /sys/kernel/btf ;;
esac
# Installed as host setup installs it: root:ember 0750, file capabilities CAP_BPF + CAP_PERFMON.
s=/opt/emberscope/emberscope-sampler
chown 0:1000 $s && chmod 0750 $s && setcap cap_bpf,cap_perfmon=ep $s || echo "EMBER-SETUP-FAILED"
echo "EMBER-BOOTED $(uname -r) $(uname -m)"
node /opt/emberscope/driver.cjs $mode
echo "EMBER-DONE $?"
poweroff -f
`;

function copyInto(stage: string, from: string, to: string = from, mode?: number): void {
  const dest = join(stage, to);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(realpathSync(from), dest);
  if (mode !== undefined) chmodSync(dest, mode);
}

/** A dynamically linked binary with the shared libraries ldd names, at the same paths. */
function copyWithLibs(stage: string, binary: string, to: string): void {
  copyInto(stage, binary, to, 0o755);
  const ldd = execFileSync('ldd', [binary], { encoding: 'utf8' });
  for (const line of ldd.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1] && !existsSync(join(stage, m[1]))) copyInto(stage, m[1], m[1], 0o755);
  }
}

export interface Initramfs {
  path: string;
  bytes: number;
  seconds: number;
}

/** Builds build/kernels/initramfs.cpio (uncompressed: faster to unpack under emulation). */
export async function buildInitramfs(out: string = join(kernelsDir, 'initramfs.cpio')): Promise<Initramfs> {
  const t0 = Date.now();
  if (!existsSync(SAMPLER)) throw new Error(`no sampler at ${SAMPLER}`);
  if (!existsSync(AGENT)) throw new Error(`no agent bundle at ${AGENT}: run npm run build`);
  mkdirSync(dirname(out), { recursive: true });
  const stage = mkdtempSync(join(kernelsDir, 'initramfs-'));
  try {
    for (const d of ['proc', 'sys', 'dev', 'tmp', 'root', 'etc', 'opt/emberscope']) mkdirSync(join(stage, d), { recursive: true });
    chmodSync(join(stage, 'tmp'), 0o1777);
    writeFileSync(join(stage, 'init'), INIT, { mode: 0o755 });
    copyInto(stage, '/bin/busybox', 'bin/busybox', 0o755);
    if (!/statically linked|static-pie/.test(execFileSync('file', ['-L', '/bin/busybox'], { encoding: 'utf8' }))) {
      throw new Error('/bin/busybox is not static: install busybox-static');
    }
    copyWithLibs(stage, '/usr/bin/node', 'usr/bin/node');
    copyWithLibs(stage, '/usr/bin/setpriv', 'usr/bin/setpriv');
    copyWithLibs(stage, '/usr/sbin/bpftool', 'usr/sbin/bpftool');
    copyWithLibs(stage, '/usr/sbin/setcap', 'usr/sbin/setcap');
    copyWithLibs(stage, '/usr/sbin/getcap', 'usr/sbin/getcap');
    copyWithLibs(stage, '/usr/bin/prlimit', 'usr/bin/prlimit');
    writeFileSync(join(stage, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nember:x:1000:1000::/tmp:/bin/false\nworkload:x:1001:1001::/tmp:/bin/false\n');
    writeFileSync(join(stage, 'etc/group'), 'root:x:0:\nemberscope:x:1000:ember\nworkload:x:1001:\n');
    writeFileSync(join(stage, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\n');
    const opt = 'opt/emberscope';
    copyInto(stage, SAMPLER, `${opt}/emberscope-sampler`, 0o755);
    copyInto(stage, AGENT, `${opt}/agent.cjs`, 0o644);
    execFileSync('gcc', ['-O0', '-fno-omit-frame-pointer', '-static', '-pthread', '-o', join(stage, opt, 'hot-c'), join(repoRoot, 'scripts', 'workloads', 'hot.c')]);
    await build({
      entryPoints: [join(here, 'guest', 'driver.ts')],
      outfile: join(stage, opt, 'driver.cjs'),
      bundle: true,
      platform: 'node',
      target: 'node18',
      format: 'cjs',
      minify: true,
      logLevel: 'warning',
      // grpc-js loads @grpc/proto-loader only for channelz/ORCA, which the driver never uses.
      external: ['@grpc/proto-loader'],
    });
    const list = execFileSync('find', ['.', '-mindepth', '1'], { cwd: stage, encoding: 'utf8' });
    const cpio = execFileSync('cpio', ['--quiet', '-o', '-H', 'newc', '-R', '0:0'], { cwd: stage, input: list, maxBuffer: 1 << 30 });
    writeFileSync(out, cpio);
    return { path: out, bytes: cpio.length, seconds: (Date.now() - t0) / 1000 };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export interface BootOptions {
  vmlinuz: string;
  initramfs: string;
  mode: GuestResult['mode'];
  /** wall-clock limit for boot + capture (default 300 s) */
  timeoutMs?: number;
  /** run QEMU under `flock LOCK` (the machine-wide integration-test lock); omit when already held */
  lock?: string;
}

export interface BootResult {
  result: GuestResult | undefined;
  serial: string;
  /** boot + run, from QEMU's start */
  seconds: number;
  /** time spent waiting for the lock */
  lockWaitSeconds: number;
  timedOut: boolean;
  exitCode: number | null;
}

/** Boots one kernel; resolves when the guest powered off, QEMU exited, or the time is up. */
export function bootKernel(o: BootOptions): Promise<BootResult> {
  const qemu = [
    'qemu-system-x86_64',
    '-machine', 'pc', '-cpu', 'max', '-smp', '2', '-m', '2048',
    '-accel', 'tcg',
    '-kernel', o.vmlinuz, '-initrd', o.initramfs,
    '-append', `console=ttyS0 quiet loglevel=3 panic=-1 ember.mode=${o.mode}`,
    '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-nodefaults',
  ];
  // Under the lock, a marker on stderr says when QEMU starts: the time limit counts from there.
  const [cmd, ...args] = o.lock ? ['flock', o.lock, 'sh', '-c', `echo ${LOCKED} >&2; exec "$@"`, 'sh', ...qemu] : qemu;
  let t0 = Date.now();
  const tWait = t0;
  return new Promise((resolve, reject) => {
    // Its own process group: on a timeout the whole group (flock and QEMU) is killed.
    const child = spawn(cmd ?? 'qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let serial = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      serial += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      if (!timer && s.includes(LOCKED)) arm();
      serial += s;
    });
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      t0 = Date.now();
      timer = setTimeout(() => {
        timedOut = true;
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      }, o.timeoutMs ?? 300_000);
    };
    if (!o.lock) arm();
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ result: parseGuestOutput(serial), serial, seconds: (Date.now() - t0) / 1000, lockWaitSeconds: (t0 - tWait) / 1000, timedOut, exitCode: code });
    });
  });
}

/** The unpacked Debian kernels (scripts/kernel-matrix/fetch-kernels.sh), by release. */
export function fetchKernels(which: readonly string[] = []): Map<string, string> {
  const out = execFileSync('bash', [join(here, 'fetch-kernels.sh'), ...which], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const m = new Map<string, string>();
  for (const line of out.trim().split('\n')) {
    const [rel, dir] = line.split(' ');
    if (rel && dir) m.set(rel, join(dir, 'vmlinuz'));
  }
  return m;
}

export function kernelConfig(vmlinuz: string): string {
  return readFileSync(join(dirname(vmlinuz), 'config'), 'utf8');
}
