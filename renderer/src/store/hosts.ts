// Saved hosts and, per host, the connection, the review (check) and the setup.
import type { CheckReport, ConnectionInfo, HostEntry, HostInput, SetupOptions, SetupPlan, SetupResult } from '../../../core/api';
import { requireApi, type GetState, type SetState, type Slice } from './types';

export interface HostState {
  readonly phase: 'idle' | 'connecting' | 'connected' | 'failed';
  readonly connection: ConnectionInfo | null;
  readonly check: CheckReport | null;
  readonly checking: boolean;
  readonly plan: SetupPlan | null;
  readonly setupRunning: boolean;
  readonly setupProgress: { readonly step: number; readonly total: number; readonly message: string } | null;
  readonly setupResult: SetupResult | null;
  readonly upload: { readonly file: string; readonly transferred: number; readonly total: number } | null;
}

export const IDLE_HOST: HostState = {
  phase: 'idle',
  connection: null,
  check: null,
  checking: false,
  plan: null,
  setupRunning: false,
  setupProgress: null,
  setupResult: null,
  upload: null,
};

export interface HostsSlice {
  hosts: readonly HostEntry[];
  hostsLoaded: boolean;
  hostFilter: string;
  hostStates: Readonly<Record<string, HostState>>;

  refreshHosts(): Promise<void>;
  setHostFilter(text: string): void;
  saveHost(input: HostInput): Promise<HostEntry | null>;
  removeHost(hostId: string): Promise<void>;
  connect(hostId: string): Promise<void>;
  /** Asks first (pendingDisconnect) when a capture runs on the host, unless `confirmed`. */
  disconnect(hostId: string, confirmed?: boolean): Promise<void>;
  check(hostId: string): Promise<void>;
  planSetup(hostId: string, options: SetupOptions): Promise<void>;
  runSetup(hostId: string, options: SetupOptions): Promise<void>;
}

export function patchHost(set: SetState, hostId: string, patch: Partial<HostState>): void {
  set((s) => ({ hostStates: { ...s.hostStates, [hostId]: { ...(s.hostStates[hostId] ?? IDLE_HOST), ...patch } } }));
}

/** The host's label for titles, or its id when it is not in the list. */
export function hostLabel(get: GetState, hostId: string): string {
  return get().hosts.find((h) => h.id === hostId)?.label ?? hostId;
}

export const createHostsSlice: Slice<HostsSlice> = (set, get) => {
  const api = () => requireApi(get);
  const patch = (hostId: string, p: Partial<HostState>) => patchHost(set, hostId, p);
  return {
    hosts: [],
    hostsLoaded: false,
    hostFilter: '',
    hostStates: {},

    async refreshHosts() {
      try {
        const hosts = await api().listHosts();
        set({ hosts, hostsLoaded: true });
      } catch (e) {
        set({ hostsLoaded: true });
        get().fail(e, 'The host list could not be read');
      }
    },
    setHostFilter(text) {
      set({ hostFilter: text });
    },
    async saveHost(input) {
      try {
        const host = await api().saveHost(input);
        await get().refreshHosts();
        set({ notice: `Saved ${host.label}.` });
        return host;
      } catch (e) {
        get().fail(e, 'The host could not be saved');
        return null;
      }
    },
    async removeHost(hostId) {
      try {
        await api().removeHost(hostId);
        const screen = get().screen;
        if (screen.kind === 'host' && screen.hostId === hostId) set({ screen: { kind: 'welcome' } });
        await get().refreshHosts();
      } catch (e) {
        get().fail(e, 'The host could not be removed');
      }
    },
    async connect(hostId) {
      patch(hostId, { phase: 'connecting' });
      try {
        const connection = await api().connect(hostId);
        patch(hostId, { phase: 'connected', connection });
        await get().check(hostId);
      } catch (e) {
        patch(hostId, { phase: 'failed' });
        get().fail(e, `Could not connect to ${hostLabel(get, hostId)}`);
      }
    },
    async disconnect(hostId, confirmed = false) {
      set({ pendingDisconnect: null });
      if (!confirmed && get().running.some((r) => r.hostId === hostId)) {
        set({ pendingDisconnect: hostId });
        return;
      }
      const stopping = get().running.some((r) => r.hostId === hostId);
      if (stopping) set({ busy: `Stopping the capture on ${hostLabel(get, hostId)} and disconnecting…` });
      try {
        await api().disconnect(hostId);
        if (stopping && get().busy?.startsWith('Stopping the capture')) set({ busy: null });
      } catch (e) {
        get().fail(e, 'Disconnecting failed');
      }
      patch(hostId, { ...IDLE_HOST });
    },
    async check(hostId) {
      patch(hostId, { checking: true });
      try {
        const check = await api().checkHost(hostId);
        patch(hostId, { check, checking: false, upload: null });
      } catch (e) {
        patch(hostId, { checking: false, upload: null });
        get().fail(e, `Could not review ${hostLabel(get, hostId)}`);
      }
    },
    async planSetup(hostId, options) {
      try {
        const plan = await api().setupPlan(hostId, options);
        patch(hostId, { plan, setupResult: null, setupProgress: null });
      } catch (e) {
        get().fail(e, 'The setup plan could not be prepared');
      }
    },
    async runSetup(hostId, options) {
      patch(hostId, { setupRunning: true, setupProgress: { step: 0, total: 1, message: 'Starting…' } });
      try {
        const result = await api().runSetup(hostId, options);
        patch(hostId, { setupRunning: false, setupResult: result });
        await get().check(hostId);
      } catch (e) {
        patch(hostId, { setupRunning: false });
        get().fail(e, 'Host setup failed');
      }
    },
  };
};
