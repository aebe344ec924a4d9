// The transports an SSH hop runs over: a TCP socket with TCP_NODELAY, a ProxyCommand's stdio
// (as OpenSSH runs it), or a channel forwarded by the previous hop of a ProxyJump chain.
import { spawn } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { EmberError } from '../../core/errors';
import type { SshEndpoint } from './ssh';

export function portOf(e: SshEndpoint): number {
  return e.port === 0 ? 22 : e.port;
}

export function unreachable(e: SshEndpoint, why: string): EmberError {
  return new EmberError('HOST_UNREACHABLE', `Cannot reach ${e.label} (${e.host}:${portOf(e)}): ${why}.`, { host: e.host, port: portOf(e) });
}

export function openTcp(e: SshEndpoint, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host: e.host, port: portOf(e) });
    sock.setNoDelay(true);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(unreachable(e, `no answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(unreachable(e, error.code === 'ECONNREFUSED' ? 'connection refused' : error.code === 'ENOTFOUND' ? 'unknown host name' : (error.code ?? error.message)));
    });
  });
}

/**
 * The ProxyCommand's stdio as the SSH transport, run as OpenSSH runs it: `exec COMMAND` by
 * the user's shell (`$SHELL -c`, else /bin/sh). Its stderr goes to the log; it is ended with the
 * connection.
 */
export function openProxyCommand(e: SshEndpoint, command: string, log: (line: string) => void): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const shell = process.env['SHELL'] && process.env['SHELL'].startsWith('/') ? process.env['SHELL'] : '/bin/sh';
    const child = spawn(shell, ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let lastErr = '';
    child.stderr.on('data', (d: Buffer) => {
      for (const line of d.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        lastErr = line.trim().slice(0, 300);
        log(`ssh: ProxyCommand[${e.label}]: ${lastErr}`);
      }
    });
    const sock = new Duplex({
      read() {
        child.stdout.resume();
      },
      write(chunk: Buffer, _enc, done) {
        child.stdin.write(chunk, (error) => done(error ?? null));
      },
      final(done) {
        child.stdin.end();
        done();
      },
      destroy(error, done) {
        child.stdin.destroy();
        child.stdout.destroy();
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        done(error);
      },
    });
    child.stdout.on('data', (d: Buffer) => {
      if (!sock.push(d)) child.stdout.pause();
    });
    child.stdin.on('error', () => undefined); // a proxy that exits early: reported on 'close'
    child.once('error', (error) => reject(unreachable(e, `the ProxyCommand could not be started (${error.message})`)));
    child.once('spawn', () => resolve(sock));
    // The end of its output is passed on only once its exit status is known, so that a failed
    // proxy is reported as such rather than as a cut handshake.
    child.once('close', (code, signal) => {
      if (sock.destroyed) return;
      if (code === 0) sock.push(null);
      else sock.destroy(unreachable(e, `the ProxyCommand exited (${signal ?? `status ${code}`})${lastErr ? `: ${lastErr}` : ''}`));
    });
  });
}

export function forwardThrough(prev: Client, e: SshEndpoint, via: SshEndpoint): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    prev.forwardOut('127.0.0.1', 0, e.host, portOf(e), (error, channel) => {
      if (error) reject(unreachable(e, `the jump host ${via.label} could not open a connection to it (${error.message})`));
      else resolve(channel);
    });
  });
}
