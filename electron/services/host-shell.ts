// One way to run commands, upload files and start the agent on a host: over SSH (ssh2 exec
// channels and SFTP) or on this machine (child processes). Deploy, setup and capture are
// written once against this interface.
import { spawn } from 'node:child_process';
import { copyFile, chmod, stat } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import type { Client, SFTPWrapper } from 'ssh2';
import { EmberError } from '../../core/errors';
import { sshAgentStream, spawnLocalAgent, type AgentStreamFactory } from '../agent-client';
import { execCommand, type ExecResult, type SshConnection } from './ssh';

export interface HostShell {
  readonly kind: 'ssh' | 'local';
  /** 'openssh' (the user's ssh client) or 'builtin' (ssh2); absent for This machine. */
  readonly transport?: 'openssh' | 'builtin';
  exec(command: string, options?: { stdin?: string; timeoutMs?: number }): Promise<ExecResult>;
  upload(localPath: string, remotePath: string, onProgress: (transferred: number, total: number) => void): Promise<void>;
  /** A stream factory for the agent started by `command` (a shell command line); `signal` without SIG (KILL). */
  agentStream(command: string, onLog: (line: string) => void, onExit: (code: number | null, signal?: string | null) => void): AgentStreamFactory;
  readonly closed: Promise<Error | undefined>;
  close(): void;
}

export function sshShell(conn: SshConnection): HostShell {
  let sftp: Promise<SFTPWrapper> | undefined;
  const getSftp = (client: Client): Promise<SFTPWrapper> =>
    (sftp ??= new Promise((resolve, reject) => {
      const lost = (error: unknown): void => reject(new EmberError('CONNECTION_LOST', `SFTP is not available on the host: ${error instanceof Error ? error.message : String(error)}`));
      try {
        client.sftp((error, s) => (error ? lost(error) : resolve(s)));
      } catch (error) {
        lost(error); // ssh2 throws once its socket is gone
      }
    }));
  return {
    kind: 'ssh',
    transport: 'builtin',
    exec: (command, options) => execCommand(conn.client, command, options),
    upload: async (localPath, remotePath, onProgress) => {
      const s = await getSftp(conn.client);
      await new Promise<void>((resolve, reject) =>
        s.fastPut(localPath, remotePath, { mode: 0o600, step: (done, _chunk, total) => onProgress(done, total) }, (error) =>
          error ? reject(new EmberError('CONNECTION_LOST', `Upload to ${remotePath} failed: ${error.message}`)) : resolve(),
        ),
      );
    },
    agentStream: (command, onLog, onExit) => sshAgentStream(conn.client, { command, onLog, onExit: (code, signal) => onExit(code, signal?.replace(/^SIG/, '') ?? null) }),
    closed: conn.closed,
    close: () => conn.close(),
  };
}

export function localShell(): HostShell {
  let resolveClosed: (e: Error | undefined) => void = () => undefined;
  const closed = new Promise<Error | undefined>((r) => (resolveClosed = r));
  return {
    kind: 'local',
    exec: (command, options = {}) =>
      new Promise((resolve, reject) => {
        const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        const timer = options.timeoutMs
          ? setTimeout(() => {
              child.kill('SIGKILL');
              reject(new EmberError('AGENT_FAILED', `A command did not finish within ${Math.round((options.timeoutMs ?? 0) / 1000)} s.`));
            }, options.timeoutMs)
          : undefined;
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
        child.on('error', reject);
        child.on('close', (code, signal) => {
          if (timer) clearTimeout(timer);
          resolve({ code, signal: signal ?? null, stdout, stderr });
        });
        child.stdin.on('error', () => undefined); // the command may exit without reading stdin
        child.stdin.end(options.stdin ?? '');
      }),
    upload: async (localPath, remotePath, onProgress) => {
      const { size } = await stat(localPath);
      onProgress(0, size);
      await copyFile(localPath, remotePath);
      await chmod(remotePath, 0o600);
      onProgress(size, size);
    },
    agentStream: (command, onLog, onExit) => {
      // The agent via /bin/sh -c so that the same verified command line runs locally.
      const factory = spawnLocalAgent({ agentPath: '-c', nodePath: '/bin/sh', args: [command], onLog, onExit: (code, signal) => onExit(code, signal?.replace(/^SIG/, '') ?? null) });
      return async (): Promise<Duplex> => factory();
    },
    closed,
    close: () => resolveClosed(undefined),
  };
}
