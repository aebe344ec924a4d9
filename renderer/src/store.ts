// The console's state (zustand). Everything from the API is untrusted data: it is kept as
// plain values here and rendered as text by the components.
import { create } from 'zustand';
import type { Profile } from '../../core/profile/types';
import type {
  ApiEvent,
  AppInfo,
  CaptureOptions,
  CaptureSummary,
  CheckReport,
  ConnectionInfo,
  EmberscopeApi,
  ExportFormat,
  HostEntry,
  HostInput,
  Prompt,
  PromptAnswer,
  RedactionSettings,
  SetupOptions,
  SetupPlan,
  SetupResult,
} from '../../core/api';
import { MAX_IMPORT_BYTES } from '../../core/api';
import { toFailure, type ApiFailure } from './api';
import { NO_REDACTION, isRedactionOff, normalizeRedaction } from '../../core/redaction';

export interface UiError {
  readonly title: string;
  readonly message: string;
  readonly code: string;
}

export type Screen = { readonly kind: 'welcome' } | { readonly kind: 'host'; readonly hostId: string } | { readonly kind: 'profile' };

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

const IDLE_HOST: HostState = {
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

export interface LiveCapture {
  readonly captureId: string;
  readonly hostId: string;
  readonly hostLabel: string;
  readonly options: CaptureOptions;
  readonly samples: number;
  readonly lost: number;
  readonly elapsedMs: number;
  readonly running: boolean;
  readonly stopping: boolean;
}

export interface OpenProfile {
  /** null while a capture is live and not yet saved. */
  readonly summary: CaptureSummary | null;
  readonly title: string;
  readonly profile: Profile;
}

export interface PendingExport {
  readonly format: ExportFormat;
}

export interface State {
  api: EmberscopeApi | null;
  info: AppInfo | null;
  linkUp: boolean;
  error: UiError | null;
  notice: string | null;
  screen: Screen;

  hosts: readonly HostEntry[];
  hostsLoaded: boolean;
  hostFilter: string;
  hostStates: Readonly<Record<string, HostState>>;
  prompts: readonly Prompt[];

  capture: LiveCapture | null;
  library: readonly CaptureSummary[];
  libraryLoaded: boolean;
  busy: string | null;

  open: OpenProfile | null;
  redaction: RedactionSettings;
  search: string;
  inverted: boolean;
  /** A function name the graph should zoom to (from the top-functions table). */
  focus: { readonly name: string; readonly seq: number } | null;
  pendingExport: PendingExport | null;
}

export interface Actions {
  init(api: EmberscopeApi): Promise<void>;
  fail(error: unknown, title: string): void;
  dismissError(): void;
  setNotice(text: string | null): void;
  go(screen: Screen): void;

  refreshHosts(): Promise<void>;
  setHostFilter(text: string): void;
  saveHost(input: HostInput): Promise<HostEntry | null>;
  removeHost(hostId: string): Promise<void>;
  connect(hostId: string): Promise<void>;
  disconnect(hostId: string): Promise<void>;
  answerPrompt(answer: PromptAnswer): Promise<void>;
  check(hostId: string): Promise<void>;
  planSetup(hostId: string, options: SetupOptions): Promise<void>;
  runSetup(hostId: string, options: SetupOptions): Promise<void>;

  startCapture(hostId: string, options: CaptureOptions): Promise<void>;
  stopCapture(): Promise<void>;

  refreshLibrary(): Promise<void>;
  openCapture(captureId: string): Promise<void>;
  removeCapture(captureId: string): Promise<void>;
  importFiles(files: readonly File[]): Promise<void>;
  requestExport(format: ExportFormat): Promise<void>;
  confirmExport(confirmed: boolean): Promise<void>;

  setRedaction(settings: RedactionSettings): void;
  setSearch(text: string): void;
  setInverted(inverted: boolean): void;
  focusFunction(name: string): void;
}

export type Store = State & Actions;

/** Titles and the next step, by error code, for codes whose message may not say it. */
const NEXT_STEP: Readonly<Record<string, string>> = {
  DISCONNECTED: 'Start Emberscope again and reload this page.',
  BAD_INPUT: 'Check that the file is a pprof (.pb.gz) or folded-stacks file, or the values you entered, then try again.',
  TOO_LARGE: 'Try a smaller file or a shorter capture.',
  NOT_FOUND: 'It may have been removed; the list has been refreshed.',
};

export function describeFailure(failure: ApiFailure, title: string): UiError {
  const next = NEXT_STEP[failure.code];
  const raw = (failure.message || 'Something went wrong').trim();
  const message = /[.!?]$/.test(raw) ? raw : `${raw}.`;
  return { title, code: failure.code, message: next && !message.includes(next) ? `${message} ${next}` : message };
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function download(fileName: string, mimeType: string, bytes: Uint8Array<ArrayBuffer>): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const useStore = create<Store>()((set, get) => {
  const api = (): EmberscopeApi => {
    const a = get().api;
    if (!a) throw new Error('INTERNAL: the API is not ready');
    return a;
  };
  const patchHost = (hostId: string, patch: Partial<HostState>): void => {
    set((s) => ({ hostStates: { ...s.hostStates, [hostId]: { ...(s.hostStates[hostId] ?? IDLE_HOST), ...patch } } }));
  };
  const hostLabel = (hostId: string): string => get().hosts.find((h) => h.id === hostId)?.label ?? hostId;

  const onEvent = (event: ApiEvent): void => {
    switch (event.type) {
      case 'prompt':
        set((s) => ({ prompts: [...s.prompts.filter((p) => p.promptId !== event.prompt.promptId), event.prompt] }));
        break;
      case 'prompt-cancelled':
        set((s) => ({ prompts: s.prompts.filter((p) => p.promptId !== event.promptId) }));
        break;
      case 'capture-progress': {
        const c = get().capture;
        if (!c || c.captureId !== event.captureId) break;
        set({ capture: { ...c, samples: event.samples, lost: event.lost, elapsedMs: event.elapsedMs } });
        if (event.profile) set({ open: { summary: null, title: `Live: ${c.hostLabel}`, profile: event.profile } });
        break;
      }
      case 'capture-ended': {
        const c = get().capture;
        if (!c || c.captureId !== event.captureId) break;
        // When the user pressed Stop, stopCapture opens the saved capture itself.
        const stoppedByUser = c.stopping;
        set({ capture: { ...c, running: false } });
        if (event.error) get().fail(new Error(`${event.error.code}: ${event.error.message}`), 'The capture ended with an error');
        if (event.summary && !stoppedByUser) {
          const summary = event.summary;
          void get().openCapture(summary.id).then(() => get().refreshLibrary());
        }
        break;
      }
      case 'setup-progress':
        patchHost(event.hostId, { setupProgress: { step: event.step, total: event.total, message: event.message } });
        break;
      case 'upload-progress':
        patchHost(event.hostId, { upload: event.transferred >= event.total ? null : { file: event.file, transferred: event.transferred, total: event.total } });
        break;
      case 'connection':
        if (event.state === 'disconnected') {
          patchHost(event.hostId, { phase: 'idle', connection: null });
          if (event.message) set({ notice: event.message });
        }
        break;
    }
  };

  return {
    api: null,
    info: null,
    linkUp: true,
    error: null,
    notice: null,
    screen: { kind: 'welcome' },
    hosts: [],
    hostsLoaded: false,
    hostFilter: '',
    hostStates: {},
    prompts: [],
    capture: null,
    library: [],
    libraryLoaded: false,
    busy: null,
    open: null,
    redaction: NO_REDACTION,
    search: '',
    inverted: false,
    focus: null,
    pendingExport: null,

    async init(a) {
      set({ api: a });
      a.onEvent(onEvent);
      try {
        const info = await a.appInfo();
        set({ info });
      } catch (e) {
        get().fail(e, 'Emberscope could not start');
        return;
      }
      await Promise.all([get().refreshHosts(), get().refreshLibrary()]);
    },

    fail(error, title) {
      set({ error: describeFailure(toFailure(error), title), busy: null });
    },
    dismissError() {
      set({ error: null });
    },
    setNotice(text) {
      set({ notice: text });
    },
    go(screen) {
      set({ screen });
    },

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
      patchHost(hostId, { phase: 'connecting' });
      try {
        const connection = await api().connect(hostId);
        patchHost(hostId, { phase: 'connected', connection });
        await get().check(hostId);
      } catch (e) {
        patchHost(hostId, { phase: 'failed' });
        get().fail(e, `Could not connect to ${hostLabel(hostId)}`);
      }
    },
    async disconnect(hostId) {
      try {
        await api().disconnect(hostId);
      } catch (e) {
        get().fail(e, 'Disconnecting failed');
      }
      patchHost(hostId, { ...IDLE_HOST });
    },
    async answerPrompt(answer) {
      set((s) => ({ prompts: s.prompts.filter((p) => p.promptId !== answer.promptId) }));
      try {
        await api().answerPrompt(answer);
      } catch (e) {
        get().fail(e, 'Your answer could not be delivered');
      }
    },
    async check(hostId) {
      patchHost(hostId, { checking: true });
      try {
        const check = await api().checkHost(hostId);
        patchHost(hostId, { check, checking: false, upload: null });
      } catch (e) {
        patchHost(hostId, { checking: false, upload: null });
        get().fail(e, `Could not review ${hostLabel(hostId)}`);
      }
    },
    async planSetup(hostId, options) {
      try {
        const plan = await api().setupPlan(hostId, options);
        patchHost(hostId, { plan, setupResult: null, setupProgress: null });
      } catch (e) {
        get().fail(e, 'The setup plan could not be prepared');
      }
    },
    async runSetup(hostId, options) {
      patchHost(hostId, { setupRunning: true, setupProgress: { step: 0, total: 1, message: 'Starting…' } });
      try {
        const result = await api().runSetup(hostId, options);
        patchHost(hostId, { setupRunning: false, setupResult: result });
        await get().check(hostId);
      } catch (e) {
        patchHost(hostId, { setupRunning: false });
        get().fail(e, 'Host setup failed');
      }
    },

    async startCapture(hostId, options) {
      if (get().capture?.running) {
        set({ notice: 'A capture is already running. Stop it first.' });
        return;
      }
      try {
        const { captureId } = await api().startCapture(hostId, options);
        set({
          capture: { captureId, hostId, hostLabel: hostLabel(hostId), options, samples: 0, lost: 0, elapsedMs: 0, running: true, stopping: false },
          open: null,
          screen: { kind: 'profile' },
          search: '',
          focus: null,
        });
      } catch (e) {
        get().fail(e, 'The capture could not start');
      }
    },
    async stopCapture() {
      const c = get().capture;
      if (!c || !c.running) return;
      set({ capture: { ...c, stopping: true } });
      try {
        const summary = await api().stopCapture(c.captureId);
        set({ capture: { ...c, running: false, stopping: false } });
        await get().openCapture(summary.id);
        await get().refreshLibrary();
      } catch (e) {
        set({ capture: { ...c, stopping: false } });
        get().fail(e, 'The capture could not be stopped cleanly');
      }
    },

    async refreshLibrary() {
      try {
        const library = await api().listCaptures();
        set({ library, libraryLoaded: true });
      } catch (e) {
        set({ libraryLoaded: true });
        get().fail(e, 'The capture library could not be read');
      }
    },
    async openCapture(captureId) {
      set({ busy: 'Opening capture…' });
      try {
        performance.mark('emberscope:open-start');
        const opened = await api().openCapture(captureId);
        performance.mark('emberscope:profile-received');
        set({
          open: { summary: opened.summary, title: opened.summary.title, profile: opened.profile },
          screen: { kind: 'profile' },
          search: '',
          focus: null,
          busy: null,
        });
      } catch (e) {
        get().fail(e, 'The capture could not be opened');
        await get().refreshLibrary();
      }
    },
    async removeCapture(captureId) {
      try {
        await api().removeCapture(captureId);
        const open = get().open;
        if (open?.summary?.id === captureId) set({ open: null, screen: { kind: 'welcome' } });
        await get().refreshLibrary();
        set({ notice: 'Capture deleted.' });
      } catch (e) {
        get().fail(e, 'The capture could not be deleted');
      }
    },
    async importFiles(files) {
      let last: CaptureSummary | null = null;
      for (const file of files) {
        if (file.size > MAX_IMPORT_BYTES) {
          get().fail(new Error(`TOO_LARGE: ${file.name} is larger than ${MAX_IMPORT_BYTES / (1024 * 1024)} MiB.`), 'The file could not be imported');
          continue;
        }
        set({ busy: `Importing ${file.name}…` });
        try {
          const bytes = new Uint8Array(await file.arrayBuffer());
          last = await api().importProfile({ fileName: file.name.slice(0, 255) || 'profile', dataBase64: bytesToBase64(bytes) });
        } catch (e) {
          get().fail(e, `${file.name} could not be imported`);
        }
      }
      set({ busy: null });
      await get().refreshLibrary();
      if (last) await get().openCapture(last.id);
    },
    async requestExport(format) {
      if (isRedactionOff(get().redaction)) {
        set({ pendingExport: { format } });
        return;
      }
      set({ pendingExport: { format } });
      await get().confirmExport(false);
    },
    async confirmExport(confirmed) {
      const pending = get().pendingExport;
      const open = get().open;
      set({ pendingExport: null });
      if (!pending || !open?.summary) return;
      const redaction = get().redaction;
      if (isRedactionOff(redaction) && !confirmed) return;
      set({ busy: 'Exporting…' });
      try {
        const file = await api().exportCapture({ captureId: open.summary.id, format: pending.format, redaction, confirmedUnredacted: confirmed });
        download(file.fileName, file.mimeType, base64ToBytes(file.dataBase64));
        set({ busy: null, notice: `Exported ${file.fileName} (${file.redactionSummary}).` });
      } catch (e) {
        get().fail(e, 'The export failed');
      }
    },

    setRedaction(settings) {
      set({ redaction: normalizeRedaction(settings) });
    },
    setSearch(text) {
      set({ search: text.slice(0, 200) });
    },
    setInverted(inverted) {
      set({ inverted });
    },
    focusFunction(name) {
      set((s) => ({ focus: { name, seq: (s.focus?.seq ?? 0) + 1 } }));
    },
  };
});
