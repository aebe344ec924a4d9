// `npm run test:kernels`: the kernel matrix. Fetches the Debian kernels (fetch-kernels.sh),
// builds the initramfs, boots each kernel under QEMU (through the machine's integration-test
// lock), and writes the table into README.md between the kernel-matrix markers.
// Exit status 1 if a row is not what it should be (a capture that did not load, sample or
// symbolize; a refusal that was not NO_BTF).
//   node --import tsx scripts/kernel-matrix/run.ts [--no-readme] [--kernels 6.1,5.10,arm64]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { release } from 'node:os';
import { bootKernel, buildInitramfs, fetchKernels, kernelConfig, machineOfKernel, repoRoot, type Initramfs, type Machine } from './vm';
import { matrixTable, replaceBetweenMarkers, type MatrixRow } from './result';
import { checkRow } from './check';

const LOCK = '/tmp/emberscope-int.lock';

interface Plan {
  kernel: string;
  vmlinuz: string;
  mode: MatrixRow['mode'];
  machine: Machine;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const ki = args.indexOf('--kernels');
  const which = ki >= 0 ? (args[ki + 1] ?? '').split(',').filter(Boolean) : [];
  const kernels = fetchKernels(which);
  const notes: string[] = [];

  // This machine's kernel, if its image is on disk (it is not on these machines: no /boot).
  const hostImage = `/boot/vmlinuz-${release()}`;
  if (existsSync(hostImage)) kernels.set(release(), hostImage);
  else notes.push(`This machine's kernel (${release()}) is not in the matrix: its image is not on the machine (no ${hostImage}), so it cannot be booted under QEMU; the integration tests run the sampler on it directly.`);

  const plans: Plan[] = [];
  for (const [kernel, vmlinuz] of kernels) {
    if (!/^CONFIG_DEBUG_INFO_BTF=y$/m.test(kernelConfig(vmlinuz))) notes.push(`${kernel} has no CONFIG_DEBUG_INFO_BTF.`);
    plans.push({ kernel, vmlinuz, mode: 'capture', machine: machineOfKernel(kernel) });
  }
  // No kernel older than 5.8 or without BTF can be had from the archive (buster is gone from it):
  // the refusal is tested on the newest x86_64 kernel with /sys/kernel/btf hidden.
  const newest = [...kernels.keys()].filter((k) => machineOfKernel(k) === 'x86_64').sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))[0];
  if (newest) plans.push({ kernel: newest, vmlinuz: kernels.get(newest) ?? '', mode: 'no-btf', machine: 'x86_64' });
  // The arm64 row last: software emulation of another architecture is the slowest.
  plans.sort((a, b) => Number(a.machine === 'aarch64') - Number(b.machine === 'aarch64'));

  const initramfs = new Map<Machine, Initramfs>();
  for (const m of new Set(plans.map((p) => p.machine))) {
    const i = await buildInitramfs(undefined, m);
    initramfs.set(m, i);
    console.error(`kernel-matrix: ${m} initramfs ${(i.bytes / 1048576).toFixed(0)} MiB in ${i.seconds.toFixed(1)} s`);
  }
  const rows: MatrixRow[] = [];
  let failed = 0;
  for (const p of plans) {
    console.error(`kernel-matrix: booting ${p.kernel} (${p.mode})`);
    const b = await bootKernel({ vmlinuz: p.vmlinuz, initramfs: initramfs.get(p.machine)?.path ?? '', mode: p.mode, machine: p.machine, lock: LOCK });
    const row: MatrixRow = { kernel: p.kernel, arch: p.machine, mode: p.mode, result: b.result, seconds: b.seconds };
    if (!b.result) row.failure = b.timedOut ? 'timed out' : `QEMU exit ${b.exitCode ?? 'signal'}`;
    const problems = checkRow(row);
    if (problems.length) {
      failed++;
      console.error(`kernel-matrix: ${p.kernel} (${p.mode}): ${problems.join('; ')}\n--- serial (tail)\n${b.serial.slice(-3000)}\n---`);
    }
    console.error(`kernel-matrix: ${p.kernel} (${p.mode}) ${b.seconds.toFixed(0)} s (lock wait ${b.lockWaitSeconds.toFixed(0)} s)`);
    rows.push(row);
  }
  const table = matrixTable(rows);
  console.log(table);
  for (const n of notes) console.log(`\n${n}`);
  if (!args.includes('--no-readme')) {
    const readme = join(repoRoot, 'README.md');
    const stamp = `Written by \`npm run test:kernels\` on ${new Date().toISOString().slice(0, 10)} (QEMU ${qemuVersion()}, software emulation, 2 vCPUs: qemu-system-x86_64 -cpu max, qemu-system-aarch64 -machine virt -cpu cortex-a72; workload hot-c, 2 threads, 199 Hz for 5 s).`;
    writeFileSync(readme, replaceBetweenMarkers(readFileSync(readme, 'utf8'), [stamp, '', table, '', ...notes].join('\n')));
  }
  return failed ? 1 : 0;
}

function qemuVersion(): string {
  try {
    const out = execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
    return /version (\S+)/.exec(out)?.[1] ?? '?';
  } catch {
    return '?';
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
