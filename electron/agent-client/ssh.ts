// The agent over an SSH exec channel (ssh2). The channel is the agent's stdin/stdout; its stderr
// is the agent's log. Connection management (auth, host keys) is the SSH service's job.
import type { Client, ClientChannel } from 'ssh2';
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
        let buf = '';
        channel.stderr.setEncoding('utf8');
        channel.stderr.on('data', (chunk: string) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            options.onLog?.(buf.slice(0, i));
            buf = buf.slice(i + 1);
          }
          if (buf.length > 65536) buf = buf.slice(-65536);
        });
        channel.on('exit', (code: number | null, signal?: string) => options.onExit?.(code, signal ?? null));
        resolve(channel);
      });
    });
}
