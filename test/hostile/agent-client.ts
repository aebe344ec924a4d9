// Connects the app's real agent client to the malicious agent (a child process speaking gRPC on
// its stdio, like "This machine"), and helpers to measure what ingesting its capture costs.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAgent, spawnLocalAgent, type AgentClient, type AgentStreamFactory } from '../../electron/agent-client';
import type { ScenarioName } from './hostile-protocol';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const MALICIOUS_AGENT = join(ROOT, 'test/hostile/malicious-agent.ts');

/** A stream factory that starts the malicious agent with `scenario`. */
export function maliciousAgentStream(scenario: ScenarioName, options: { env?: Record<string, string>; onLog?: (line: string) => void } = {}): AgentStreamFactory {
  return spawnLocalAgent({
    agentPath: MALICIOUS_AGENT,
    nodePath: process.execPath,
    nodeArgs: ['--import', 'tsx'],
    args: [scenario],
    cwd: ROOT,
    ...(options.env ? { env: options.env } : {}),
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
}

export function connectMalicious(scenario: ScenarioName, env?: Record<string, string>): Promise<AgentClient> {
  return connectAgent(maliciousAgentStream(scenario, env ? { env } : {}));
}

let gcFn: (() => void) | undefined;
/** A full garbage collection (exposes V8's gc once). */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

/** Heap in use after a full collection (bytes). */
export function settledHeap(): number {
  collectGarbage();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

export interface Responsiveness {
  /** Longest event-loop delay seen (ms). */
  readonly maxLagMs: number;
  readonly p99LagMs: number;
  /** Largest RSS seen (bytes). */
  readonly peakRss: number;
  stop(): Responsiveness;
}

/** Samples event-loop delay and RSS until stop(). */
export function watchResponsiveness(): Responsiveness {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  const result: Responsiveness = {
    maxLagMs: 0,
    p99LagMs: 0,
    peakRss: 0,
    stop: () => {
      clearInterval(timer);
      h.disable();
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      return { ...result, maxLagMs: h.max / 1e6, p99LagMs: h.percentile(99) / 1e6, peakRss, stop: result.stop };
    },
  };
  return result;
}
