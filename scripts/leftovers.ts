// After the tests: anything they created and did not remove is a bug. This lists it, removes
// it, and exits 1 so the run fails: test users and their processes, test hosts, sampler
// processes and BPF programs, and a host setup left installed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { removeLeftovers } from './test-host';

const run = promisify(execFile);

async function samplerProcesses(): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-f', 'emberscope-sampler']).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number).filter((pid) => pid !== process.pid);
}

async function samplerPrograms(): Promise<string[]> {
  const { stdout } = await run('bpftool', ['prog', 'show', '--json']).catch(() => ({ stdout: '[]' }));
  const progs = JSON.parse(stdout) as { id: number; name?: string }[];
  return progs.filter((p) => p.name?.startsWith('ember')).map((p) => `${p.id}:${p.name}`);
}

async function main(): Promise<number> {
  const found: string[] = [];
  const hosts = await removeLeftovers();
  if (hosts.length > 0) found.push(`test hosts or users: ${hosts.join(', ')}`);
  const pids = await samplerProcesses();
  if (pids.length > 0) {
    found.push(`sampler processes: ${pids.join(', ')}`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const progs = await samplerPrograms();
  if (progs.length > 0) found.push(`BPF programs still loaded: ${progs.join(', ')}`);
  if (existsSync('/usr/local/libexec/emberscope')) found.push('host setup still installed in /usr/local/libexec/emberscope');
  if (found.length === 0) {
    console.error('leftovers: none');
    return 0;
  }
  for (const line of found) console.error(`leftovers: ${line}`);
  return 1;
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(`leftovers: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
