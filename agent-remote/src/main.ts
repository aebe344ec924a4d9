// Entry point of the host agent: gRPC on our own stdin/stdout, logs on stderr, no sockets.
// When stdin closes (the SSH channel or the parent went away) or the app stops answering the
// connection's keepalive pings, we stop the sampler and exit.
import { Duplex } from 'node:stream';
import { log } from './log';
import { serveOnStream } from './server';
import { EMBERSCOPE_VERSION } from '../../core/version';

function main(): void {
  if (process.argv.includes('--version')) {
    process.stderr.write(`emberscope-agent ${EMBERSCOPE_VERSION}\n`);
    return;
  }
  log('info', `agent ${EMBERSCOPE_VERSION} pid ${process.pid} node ${process.version} uid ${process.getuid?.() ?? '?'}`);
  const stream = Duplex.from({ readable: process.stdin, writable: process.stdout });
  const agent = serveOnStream(stream);
  let exiting = false;
  const exit = (why: string, code = 0): void => {
    if (exiting) return;
    exiting = true;
    log('info', `exiting: ${why}`);
    agent.shutdown();
    // Give the sampler a moment to receive its stdin EOF / SIGTERM; then leave.
    setTimeout(() => process.exit(code), 300).unref();
  };
  // The gRPC session ends the stream when the app stops answering its keepalive pings.
  stream.on('close', () => exit('connection closed'));
  process.stdin.on('end', () => exit('stdin closed'));
  process.stdin.on('close', () => exit('stdin closed'));
  process.stdin.on('error', () => exit('stdin error'));
  process.stdout.on('error', () => exit('stdout closed'));
  process.on('SIGTERM', () => exit('SIGTERM'));
  process.on('SIGINT', () => exit('SIGINT'));
  process.on('SIGHUP', () => exit('SIGHUP'));
  process.on('uncaughtException', (e) => {
    log('error', `uncaught: ${e.stack ?? String(e)}`);
    exit('uncaught exception', 70);
  });
}

main();
