// The live capture: starting and stopping it, and following its progress events. The app's
// services own running captures: `running` lists every one of them (a reloaded window gets them
// back with reattach()), and the live view follows one of them (`capture`).
import type { ApiEvent, CaptureOptions, RunningCapture } from '../../../core/api';
import { hostLabel, patchHost } from './hosts';
import { requireApi, type GetState, type SetState, type Slice } from './types';

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

export interface CaptureSlice {
  capture: LiveCapture | null;
  /** Every capture the services run now, whichever window started it. */
  running: readonly RunningCapture[];
  /** A host whose Disconnect waits for the user's yes (a capture runs on it). */
  pendingDisconnect: string | null;
  startCapture(hostId: string, options: CaptureOptions): Promise<void>;
  stopCapture(): Promise<void>;
  /** Stops any running capture (the live one or another). */
  stopRunning(captureId: string): Promise<void>;
  /** Shows the live view of a running capture. */
  attach(captureId: string): void;
  /** Reads the running captures and connections from the app (at start and after a reload). */
  reattach(): Promise<void>;
}

function liveOf(r: RunningCapture): LiveCapture {
  return { captureId: r.captureId, hostId: r.hostId, hostLabel: r.hostLabel, options: r.options, samples: r.samples, lost: r.lost, elapsedMs: r.elapsedMs, running: true, stopping: r.stopping };
}

function withoutRunning(get: GetState, captureId: string): readonly RunningCapture[] {
  return get().running.filter((r) => r.captureId !== captureId);
}

type EventOf<T extends ApiEvent['type']> = Extract<ApiEvent, { type: T }>;

/** Counts of the live capture, and its profile so far shown as the open profile. */
export function onCaptureProgress(event: EventOf<'capture-progress'>, set: SetState, get: GetState): void {
  if (get().running.some((r) => r.captureId === event.captureId)) {
    set((s) => ({ running: s.running.map((r) => (r.captureId === event.captureId ? { ...r, samples: event.samples, lost: event.lost, elapsedMs: event.elapsedMs } : r)) }));
  }
  const c = get().capture;
  if (!c || c.captureId !== event.captureId) return;
  set({ capture: { ...c, samples: event.samples, lost: event.lost, elapsedMs: event.elapsedMs } });
  if (event.profile) set({ open: { summary: null, title: `Live: ${c.hostLabel}`, profile: event.profile } });
}

export function onCaptureStarted(event: EventOf<'capture-started'>, set: SetState, get: GetState): void {
  set({ running: [...withoutRunning(get, event.capture.captureId), event.capture] });
}

export function onCaptureEnded(event: EventOf<'capture-ended'>, set: SetState, get: GetState): void {
  set({ running: withoutRunning(get, event.captureId) });
  const c = get().capture;
  if (!c || c.captureId !== event.captureId) {
    if (event.summary) void get().refreshLibrary();
    return;
  }
  // When the user pressed Stop, stopCapture opens the saved capture itself.
  const stoppedByUser = c.stopping;
  set({ capture: { ...c, running: false } });
  if (event.error) get().fail(new Error(`${event.error.code}: ${event.error.message}`), 'The capture ended with an error');
  if (event.summary && !stoppedByUser) {
    const summary = event.summary;
    void get()
      .openCapture(summary.id)
      .then(() => get().refreshLibrary());
  }
}

export const createCaptureSlice: Slice<CaptureSlice> = (set, get) => ({
  capture: null,
  running: [],
  pendingDisconnect: null,

  async startCapture(hostId, options) {
    if (get().capture?.running) {
      set({ notice: 'A capture is already running. Stop it first.' });
      return;
    }
    const onHost = get().running.find((r) => r.hostId === hostId);
    if (onHost) {
      // One capture per host: show the one that runs instead of starting a second.
      get().attach(onHost.captureId);
      set({ notice: `A capture is already running on ${onHost.hostLabel}: this is its live view.` });
      return;
    }
    try {
      const { captureId } = await requireApi(get).startCapture(hostId, options);
      set({
        capture: { captureId, hostId, hostLabel: hostLabel(get, hostId), options, samples: 0, lost: 0, elapsedMs: 0, running: true, stopping: false },
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
      const summary = await requireApi(get).stopCapture(c.captureId);
      // "Stopping…" until the saved capture shows, so that the Stop button keeps the keyboard focus.
      set({ capture: { ...c, running: false, stopping: true } });
      await get().openCapture(summary.id);
      const now = get().capture;
      if (now?.captureId === c.captureId) set({ capture: { ...now, stopping: false } });
      await get().refreshLibrary();
    } catch (e) {
      set({ capture: { ...c, stopping: false } });
      get().fail(e, 'The capture could not be stopped cleanly');
    }
  },
  async stopRunning(captureId) {
    if (get().capture?.captureId === captureId) return get().stopCapture();
    set((s) => ({ running: s.running.map((r) => (r.captureId === captureId ? { ...r, stopping: true } : r)) }));
    try {
      const summary = await requireApi(get).stopCapture(captureId);
      set({ running: withoutRunning(get, captureId), notice: `Stopped and saved ${summary.title}.` });
      await get().refreshLibrary();
    } catch (e) {
      set((s) => ({ running: s.running.map((r) => (r.captureId === captureId ? { ...r, stopping: false } : r)) }));
      get().fail(e, 'The capture could not be stopped cleanly');
    }
  },
  attach(captureId) {
    const r = get().running.find((x) => x.captureId === captureId);
    if (!r) return;
    if (get().capture?.captureId !== captureId) set({ capture: liveOf(r), open: null, search: '', focus: null });
    set({ screen: { kind: 'profile' } });
  },
  async reattach() {
    const a = requireApi(get);
    try {
      const [connections, running] = await Promise.all([a.listConnections(), a.listRunningCaptures()]);
      for (const connection of connections) {
        if (get().hostStates[connection.hostId]?.phase === 'connected') continue;
        patchHost(set, connection.hostId, { phase: 'connected', connection });
        // The review is not kept across a reload: read it again (in the background).
        void get().check(connection.hostId);
      }
      set({ running });
      const first = running[0];
      if (first && !get().capture?.running) get().attach(first.captureId);
    } catch (e) {
      get().fail(e, 'The running captures could not be read');
    }
  },
});
