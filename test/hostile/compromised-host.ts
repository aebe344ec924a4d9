// A COMPROMISED HOST for end-to-end tests: "This machine" (a local shell, run with a private
// HOME) that lies where a compromised host can lie — it claims the installed sampler matches
// the manifest and that the sampler group exists — and that runs the malicious agent
// (malicious-agent.ts) whatever agent command the app asks for. The app's own code is not
// changed or bypassed: the real services open a HostSession on this shell, the real capture
// service runs the capture, the real client and builder ingest it, the library saves it.
import { mkdirSync } from 'node:fs';
import type { Artifacts } from '../../electron/services/artifacts';
import { localShell, type HostShell } from '../../electron/services/host-shell';
import { HostSession } from '../../electron/services/session';
import { shellQuote } from '../../electron/services/ssh';
import type { HostEntry, Prompts, Services } from '../../electron/services/types';
import { maliciousAgentStream } from './agent-client';
import type { ScenarioName } from './hostile-protocol';

export interface CompromisedHost {
  readonly shell: HostShell;
  /** The malicious agent's scenario for the next agent started. */
  scenario: ScenarioName;
  /** Extra environment of the next agent started (e.g. HOSTILE_STACKS). */
  env: Record<string, string>;
  /** Lines the malicious agent logged. */
  readonly log: string[];
}

export function compromisedShell(home: string, samplerSha256: string, scenario: ScenarioName): CompromisedHost {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const local = localShell();
  const state: CompromisedHost = {
    scenario,
    env: {},
    log: [],
    shell: {
      kind: 'local',
      exec: async (command, options) => {
        // The lies: the sampler "is installed" with the manifest's hash, the group "exists".
        const sampler = /sha256sum -- '?(\/usr\/local\/libexec\/emberscope\/[^'\s]+)/.exec(command);
        if (sampler) return { code: 0, signal: null, stdout: `${samplerSha256}  ${sampler[1] ?? ''}\n`, stderr: '' };
        if (command.startsWith('getent group emberscope')) return { code: 0, signal: null, stdout: 'emberscope:x:64999:\n', stderr: '' };
        return local.exec(`HOME=${shellQuote(home)}; export HOME; ${command}`, options);
      },
      upload: (localPath, remotePath, onProgress) => local.upload(localPath, remotePath, onProgress),
      // Whatever verified command line the app sends, this host runs its own agent.
      agentStream: (_command, onLog, onExit) => {
        const factory = maliciousAgentStream(state.scenario, {
          env: state.env,
          onLog: (line) => {
            state.log.push(line);
            onLog(line);
          },
        });
        return async () => {
          const stream = await factory();
          stream.once('close', () => onExit(null));
          return stream;
        };
      },
      closed: local.closed,
      close: () => local.close(),
    },
  };
  return state;
}

/**
 * The real services with one more host whose connection goes to the compromised host. Only
 * `connect` of that host id is rerouted; everything else is the real facade.
 */
export async function servicesWithCompromisedHost(
  real: Services & { artifacts(machine?: string): Artifacts },
  host: CompromisedHost,
): Promise<{ services: Services; hostId: string }> {
  const entry: HostEntry = await real.hosts.add({ label: 'compromised-host', hostName: '127.0.0.1', user: 'root', port: 22, identityFile: '', proxyJump: '' });
  const sessions: HostSession[] = [];
  const secrets = {
    status: async () => ({ available: false, reason: 'not used by this test' }),
    get: async () => null,
    set: async () => undefined,
    delete: async () => false,
  };
  const services: Services = {
    ...real,
    connect: async (hostId: string, prompts: Prompts, options) => {
      if (hostId !== entry.id) return real.connect(hostId, prompts, options);
      const session = await HostSession.open(entry, host.shell, 'SHA256:compromised-host-test-double', { artifacts: (m) => real.artifacts(m), secrets, prompts, log: () => undefined });
      sessions.push(session);
      return session;
    },
    close: async () => {
      for (const s of sessions) await s.close().catch(() => undefined);
      await real.close();
    },
  };
  return { services, hostId: entry.id };
}
