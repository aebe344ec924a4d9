// The live capture: starting and stopping it, and following its progress events.
import type { ApiEvent, CaptureOptions } from '../../../core/api';
import { hostLabel } from './hosts';
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
  startCapture(hostId: string, options: CaptureOptions): Promise<void>;
  stopCapture(): Promise<void>;
}

type EventOf<T extends ApiEvent['type']> = Extract<ApiEvent, { type: T }>;

/** Counts of the live capture, and its profile so far shown as the open profile. */
export function onCaptureProgress(event: EventOf<'capture-progress'>, set: SetState, get: GetState): void {
  const c = get().capture;
  if (!c || c.captureId !== event.captureId) return;
  set({ capture: { ...c, samples: event.samples, lost: event.lost, elapsedMs: event.elapsedMs } });
  if (event.profile) set({ open: { summary: null, title: `Live: ${c.hostLabel}`, profile: event.profile } });
}

export function onCaptureEnded(event: EventOf<'capture-ended'>, set: SetState, get: GetState): void {
  const c = get().capture;
  if (!c || c.captureId !== event.captureId) return;
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

  async startCapture(hostId, options) {
    if (get().capture?.running) {
      set({ notice: 'A capture is already running. Stop it first.' });
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
      set({ capture: { ...c, running: false, stopping: false } });
      await get().openCapture(summary.id);
      await get().refreshLibrary();
    } catch (e) {
      set({ capture: { ...c, stopping: false } });
      get().fail(e, 'The capture could not be stopped cleanly');
    }
  },
});
