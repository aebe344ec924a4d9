// The agent logs to stderr only: stdout carries the gRPC stream.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

let verbose = process.env['EMBERSCOPE_AGENT_DEBUG'] === '1';

export function setVerbose(on: boolean): void {
  verbose = on;
}

export function log(level: LogLevel, message: string): void {
  if (level === 'debug' && !verbose) return;
  process.stderr.write(`emberscope-agent: ${level}: ${message.replace(/\n/g, ' ')}\n`);
}
