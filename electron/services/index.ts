// createServices: the one implementation of the Services facade (./types.ts) used by the
// Electron main process, the browser mode and the CLI.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadArtifacts, type Artifacts } from './artifacts';
import { Captures } from './capture';
import { Hosts, type DestinationOverrides } from './hosts';
import { localShell, sshShell } from './host-shell';
import { KnownHostsStore } from './known-hosts-store';
import { Library } from './library';
import { defaultDataDir, defaultDistDir } from './paths';
import { createSecretStore, redactionTeamKey } from './secrets';
import { HostSession } from './session';
import { connectRoute } from './ssh';
import { DesktopSymbols } from './symbols';
import type { ConnectOptions, ExportedFile, ExportOptions, Prompts, Services, ServicesConfig, Session } from './types';

export type * from './types';
export { LOCAL_HOST_ID } from './hosts';

export interface ServicesInternals extends Services {
  readonly dataDir: string;
  readonly hostsImpl: Hosts;
  readonly libraryImpl: Library;
  readonly knownHostsImpl: KnownHostsStore;
  artifacts(machine?: string): Artifacts;
}

export function createServices(config: ServicesConfig & { nodeSearchPath?: string } = {}): ServicesInternals {
  const dataDir = defaultDataDir(config.dataDir);
  const log = config.log ?? (() => undefined);
  const hosts = new Hosts(dataDir, config.sshConfigPath ?? join(homedir(), '.ssh', 'config'));
  const library = new Library(dataDir);
  const knownHosts = new KnownHostsStore(config.appKnownHosts ?? join(dataDir, 'known_hosts'), config.userKnownHosts ?? [join(homedir(), '.ssh', 'known_hosts')]);
  const secrets = createSecretStore(config.keychainService ?? 'emberscope');
  const captures = new Captures(library, log, new DesktopSymbols({ dataDir, log, ...(config.debuginfodUrls ? { debuginfodUrls: config.debuginfodUrls } : {}) }));
  const sessions = new Set<Session>();
  const distDir = config.distDir ?? defaultDistDir();
  const artifactCache = new Map<string, Artifacts>();
  const artifacts = (machine = 'x86_64'): Artifacts => {
    let a = artifactCache.get(machine);
    if (!a) {
      a = loadArtifacts(distDir, machine);
      artifactCache.set(machine, a);
    }
    return a;
  };

  const connect = async (hostId: string, prompts: Prompts, options: ConnectOptions = {}): Promise<Session> => {
    const overrides: DestinationOverrides = {
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.identityFile !== undefined ? { identityFile: options.identityFile } : {}),
    };
    const dest = await hosts.resolve(hostId, overrides);
    const deps = { artifacts, secrets, prompts, log, ...(config.nodeSearchPath !== undefined ? { nodeSearchPath: config.nodeSearchPath } : {}) };
    let session: HostSession;
    if (dest.kind === 'local') {
      session = await HostSession.open(dest.entry, localShell(), '', deps);
    } else {
      const conn = await connectRoute(dest.route, {
        knownHosts,
        secrets,
        prompts,
        unknownHostKey: options.unknownHostKey ?? 'ask',
        timeoutMs: options.timeoutMs ?? 15_000,
        log,
      });
      try {
        session = await HostSession.open(dest.entry, sshShell(conn), conn.fingerprint, deps);
      } catch (error) {
        conn.close();
        throw error;
      }
    }
    sessions.add(session);
    void session.closed.then(() => sessions.delete(session));
    return session;
  };

  return {
    dataDir,
    hostsImpl: hosts,
    libraryImpl: library,
    knownHostsImpl: knownHosts,
    artifacts,
    hosts,
    connect,
    capture: captures,
    library,
    knownHosts,
    export: async (captureId: string, options: ExportOptions): Promise<ExportedFile> => {
      const teamKey = options.hashKey === 'team' ? await redactionTeamKey(secrets) : undefined;
      return library.export(captureId, options, teamKey);
    },
    secretsStatus: () => secrets.status(),
    close: async () => {
      await captures.closeAll();
      for (const s of sessions) await s.close();
      sessions.clear();
    },
  };
}

