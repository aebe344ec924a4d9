// grpc-js clients need an address, so a stream to the agent (an SSH exec channel, a child
// process's stdio) is reached through a private UNIX socket: a fresh 0700 directory holds a
// socket (0600) whose first connection is piped into the stream. The socket is only on the
// desktop; nothing listens on the host. One agent session per bridge: later connections (a
// gRPC reconnect after the agent went away) are refused, so a dead agent is never silently
// replaced by a new one that knows nothing of the capture.
import { rmSync } from 'node:fs';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';

export type AgentStreamFactory = () => Promise<Duplex>;

export interface StreamBridge {
  /** `unix:///.../agent.sock` for grpc-js. */
  readonly address: string;
  /** Resolves when the agent's stream ended or failed (with the error, if any). */
  readonly ended: Promise<Error | undefined>;
  close(): Promise<void>;
}

// Socket directories still open when the process exits are removed then (a crash may still leave one).
const liveDirs = new Set<string>();
let exitHook = false;
function track(dir: string): void {
  liveDirs.add(dir);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
  });
}

export async function bridgeStream(source: Duplex | AgentStreamFactory): Promise<StreamBridge> {
  const dir = await mkdtemp(join(tmpdir(), 'emberscope-agent-'));
  track(dir);
  await chmod(dir, 0o700);
  const path = join(dir, 'agent.sock');
  let used = false;
  let stream: Duplex | undefined;
  let sockets: Socket[] = [];
  let resolveEnded: (e: Error | undefined) => void = () => undefined;
  const ended = new Promise<Error | undefined>((r) => (resolveEnded = r));
  let endedOnce = false;
  const finish = (e: Error | undefined): void => {
    if (endedOnce) return;
    endedOnce = true;
    resolveEnded(e);
  };

  const server: Server = createServer((conn) => {
    conn.setNoDelay?.(true);
    if (used) {
      conn.destroy();
      return;
    }
    used = true;
    sockets.push(conn);
    const open = typeof source === 'function' ? source() : Promise.resolve(source);
    open.then(
      (s) => {
        stream = s;
        if (conn.destroyed) {
          s.destroy();
          finish(new Error('connection closed before the agent started'));
          return;
        }
        s.on('error', (e: Error) => {
          finish(e);
          conn.destroy();
        });
        s.on('close', () => {
          finish(undefined);
          conn.end();
        });
        s.on('end', () => conn.end());
        conn.on('error', () => s.destroy());
        conn.on('close', () => s.end());
        conn.pipe(s);
        s.pipe(conn);
      },
      (e: unknown) => {
        finish(e instanceof Error ? e : new Error(String(e)));
        conn.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o600);

  return {
    address: `unix://${path}`,
    ended,
    close: async () => {
      for (const s of sockets) s.destroy();
      sockets = [];
      if (stream) {
        stream.end();
        stream.destroy();
      }
      finish(undefined);
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    },
  };
}
