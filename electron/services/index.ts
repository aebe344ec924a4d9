// createServices: the one implementation of the Services facade (./types.ts) used by the
// Electron main process, the browser mode and the CLI.
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadArtifacts, type Artifacts } from './artifacts';
import { Captures } from './capture';
import { Hosts, type DestinationOverrides } from './hosts';
import { localShell, sshShell } from './host-shell';
import { KnownHostsStore } from './known-hosts-store';
import { Library } from './library';
import { defaultDataDir, defaultDistDir, ensurePrivateDir } from './paths';
import { createSecretStore, redactionTeamKey } from './secrets';
import { HostSession } from './session';
import { opensshAvailable } from './openssh-config';
import { closeAllMasters, connectOpenSsh, defaultControlDir } from './openssh-transport';
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
  const sshPath = config.sshPath ?? 'ssh';
  const hosts = new Hosts(dataDir, config.sshConfigPath ?? join(homedir(), '.ssh', 'config'), config.sshPath !== undefined ? { sshPath } : {});
  /**
   * The known_hosts files OpenSSH is given (it writes new keys to the first). Where the caller
   * names the files (CLI, tests): the app's file first, then those, then the host's own
   * UserKnownHostsFile (from its config). Else OpenSSH's own files first, then the app's (keys
   * accepted with the built-in transport still count).
   */
  const opensshKnownHosts = (resolved: readonly string[]): readonly string[] => {
    const home = homedir();
    const defaults = new Set([join(home, '.ssh', 'known_hosts'), join(home, '.ssh', 'known_hosts2')]);
    if (config.userKnownHosts !== undefined) return [...new Set([knownHosts.appFile, ...config.userKnownHosts, ...resolved.filter((f) => !defaults.has(f))])];
    return [...new Set([...resolved, knownHosts.appFile])];
  };
  const transportChoice = config.sshTransport ?? transportFromEnv();
  /** ssh2 unless OpenSSH is asked for ('openssh'), or 'auto' and an ssh client exists. */
  const transport = async (): Promise<'openssh' | 'builtin'> => {
    if (transportChoice === 'builtin') return 'builtin';
    if (transportChoice === 'openssh') return 'openssh';
    return (await opensshAvailable(sshPath)) ? 'openssh' : 'builtin';
  };
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
    } else if ((await transport()) === 'openssh') {
      const knownHostsFiles = opensshKnownHosts(dest.openssh.userKnownHostsFiles);
      // OpenSSH writes new keys to the first file; only a missing directory of the app's is made (0700).
      if (knownHostsFiles[0] === knownHosts.appFile) await ensurePrivateDir(dirname(knownHosts.appFile));
      const conn = await connectOpenSsh(
        { label: dest.entry.label, destination: dest.openssh.destination, args: dest.openssh.args, route: dest.route, knownHostsFiles },
        {
          sshPath,
          controlDir: config.controlDir ?? defaultControlDir(),
          controlPersistSeconds: config.controlPersistSeconds ?? 60,
          keepMasters: config.keepMasters ?? false,
          secrets,
          prompts,
          unknownHostKey: options.unknownHostKey ?? 'ask',
          timeoutMs: options.timeoutMs ?? 15_000,
          log,
        },
      );
      try {
        session = await HostSession.open(dest.entry, conn.shell, conn.fingerprint, deps);
      } catch (error) {
        conn.shell.close();
        throw error;
      }
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
    hosts: {
      list: async () => {
        const t = await transport();
        return (await hosts.list()).map((h) => ({ ...h, transport: h.source === 'local' ? ('local' as const) : t }));
      },
      add: (input) => hosts.add(input),
      update: (id, input) => hosts.update(id, input),
      remove: (id) => hosts.remove(id),
    },
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
      if (!config.keepMasters) await closeAllMasters();
    },
  };
}


// OpenSSH is opt-in for now: the contract and OpenSSH integration tests pass over it, but the
// end-to-end suite (prompts, reconnects, captures) has not yet run over it as the default.
function transportFromEnv(): 'auto' | 'openssh' | 'builtin' {
  const v = process.env['EMBERSCOPE_SSH_TRANSPORT'];
  return v === 'openssh' || v === 'auto' ? v : 'builtin';
}
