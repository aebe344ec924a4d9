// "This machine": the agent as a child process of the app, the same protocol over its stdio.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { LineSplitter } from '../../core/util/lines';
import type { AgentStreamFactory } from './transport';

/**
 * V8 flags the agent runs with, on every host: a 1 MiB young generation and no V8 helper
 * threads. The agent allocates little and steadily; V8's defaults (16 MiB semi-spaces, a
 * thread pool per CPU) cost it ~8 MiB of peak RSS and no measurable CPU (bench/overhead).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=0', '--single-threaded'];

export interface LocalAgentOptions {
  /** The agent bundle (dist/agent/agent.cjs). */
  agentPath: string;
  /** Node binary; default process.execPath (in Electron it runs with ELECTRON_RUN_AS_NODE=1). */
  nodePath?: string;
  nodeArgs?: readonly string[];
  args?: readonly string[];
  /** Extra environment (the child gets a minimal environment plus these). */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** The agent's stderr, line by line (its log). */
  onLog?: (line: string) => void;
  /** Called with the child's exit status. */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export function spawnLocalAgent(options: LocalAgentOptions): AgentStreamFactory {
  return async () => {
    const env: Record<string, string> = {};
    for (const k of ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'TMPDIR']) {
      const v = process.env[k];
      if (v !== undefined) env[k] = v;
    }
    if (process.versions['electron'] !== undefined && options.nodePath === undefined) env['ELECTRON_RUN_AS_NODE'] = '1';
    Object.assign(env, options.env ?? {});
    const child = spawn(options.nodePath ?? process.execPath, [...(options.nodeArgs ?? []), options.agentPath, ...(options.args ?? [])], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
      cwd: options.cwd,
    });
    const lines = new LineSplitter();
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) options.onLog?.(line);
    });
    child.on('exit', (code, signal) => {
      const rest = lines.flush();
      if (rest) options.onLog?.(rest);
      options.onExit?.(code, signal);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
    const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin });
    // Closing the stream closes the agent's stdin: the agent exits (and its sampler with it).
    duplex.on('close', () => {
      child.stdin.destroy();
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      }, 2000).unref();
    });
    return duplex;
  };
}
