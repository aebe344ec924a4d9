// The agent over an SSH exec channel (ssh2). The channel is the agent's stdin/stdout; its stderr
// is the agent's log. Connection management (auth, host keys) is the SSH service's job.
import type { Client, ClientChannel } from 'ssh2';
import { LineSplitter } from '../../core/util/lines';
import type { AgentStreamFactory } from './transport';

export interface SshAgentOptions {
  /** The remote command, e.g. `exec node ~/.cache/emberscope/<sha>/agent.cjs` (quote paths!). */
  command: string;
  onLog?: (line: string) => void;
  onExit?: (code: number | null, signal: string | null) => void;
}

export function sshAgentStream(conn: Client, options: SshAgentOptions): AgentStreamFactory {
  return () =>
    new Promise<ClientChannel>((resolve, reject) => {
      conn.exec(options.command, (error, channel) => {
        if (error) {
          reject(error);
          return;
        }
        const lines = new LineSplitter();
        channel.stderr.setEncoding('utf8');
        channel.stderr.on('data', (chunk: string) => {
          for (const line of lines.push(chunk)) options.onLog?.(line);
        });
        channel.on('exit', (code: number | null, signal?: string) => options.onExit?.(code, signal ?? null));
        resolve(channel);
      });
    });
}
