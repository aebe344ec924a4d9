// The sampler as a child process: checked, spawned with a minimal environment, stopped gently
// (stdin closed, then SIGTERM, then SIGKILL), its stderr read line by line.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, createReadStream } from 'node:fs';
import { EmberError } from '../../../core/errors';
import { log } from '../log';
import { SamplerStderr } from './sampler-stderr';

export interface SamplerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: Error;
}

/** Throws SETUP_MISSING or EPERM when this user cannot run the sampler at `path`. */
export function assertRunnable(path: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EmberError(
      code === 'ENOENT' ? 'SETUP_MISSING' : 'EPERM',
      code === 'ENOENT'
        ? `The sampler is not installed at ${path}: run setup first.`
        : `The sampler at ${path} cannot be executed by this user (${code ?? 'error'}): is the user in the emberscope group?`,
      { path },
    );
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve())
      .on('error', reject);
  });
  return h.digest('hex');
}

export class SamplerProcess {
  readonly stderr = new SamplerStderr();
  /** Resolves once the process is gone and its output streams are closed. */
  readonly exited: Promise<SamplerExit>;
  private readonly child: ChildProcessWithoutNullStreams;
  private killTimers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(cmd: string, args: readonly string[]) {
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' } });
    this.child.stdin.on('error', () => undefined);
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      for (const line of this.stderr.push(chunk)) log('debug', `sampler: ${line}`);
    });
    this.exited = new Promise<SamplerExit>((resolve) => {
      this.child.on('error', (e) => resolve({ code: null, signal: null, spawnError: e }));
      this.child.on('close', (code, signal) => resolve({ code, signal }));
    });
  }

  /** Its stdout (the records), chunk by chunk. */
  onOutput(listener: (chunk: Buffer) => void): void {
    this.child.stdout.on('data', listener);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Closing stdin ends the sampler (it writes its final batch); SIGTERM after 3 s, SIGKILL after 8 s. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.child.stdin.end();
    this.killTimers.push(
      setTimeout(() => this.kill('SIGTERM'), 3000),
      setTimeout(() => this.kill('SIGKILL'), 8000),
    );
  }

  private kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Backpressure: stop and resume reading its records. */
  pauseOutput(): void {
    this.child.stdout.pause();
  }

  resumeOutput(): void {
    this.child.stdout.resume();
  }

  /** Ends it now if it still runs (the capture is over either way). */
  dispose(): void {
    for (const t of this.killTimers) clearTimeout(t);
    this.killTimers = [];
    this.kill('SIGKILL');
  }
}
