// What the profile screen shows: the open profile, the redaction applied to it, search,
// inversion and the function to zoom to.
import type { Profile } from '../../../core/profile/types';
import type { BucketRange } from '../../../core/profile/timeline';
import type { CaptureSummary, RedactionSettings } from '../../../core/api';
import { NO_REDACTION, normalizeRedaction } from '../../../core/redaction';
import type { Slice } from './types';

export interface OpenProfile {
  /** null while a capture is live and not yet saved. */
  readonly summary: CaptureSummary | null;
  readonly title: string;
  readonly profile: Profile;
}

/** Longest search text kept. */
const MAX_SEARCH_CHARS = 200;

export interface ViewSlice {
  open: OpenProfile | null;
  redaction: RedactionSettings;
  search: string;
  inverted: boolean;
  /** A function name the graph should zoom to (from the top-functions table). */
  focus: { readonly name: string; readonly seq: number } | null;
  /** The selected time range, for the capture whose timeline starts at `startMs` (another profile ignores it). */
  timeRange: { readonly startMs: number; readonly range: BucketRange } | null;

  setRedaction(settings: RedactionSettings): void;
  setSearch(text: string): void;
  setInverted(inverted: boolean): void;
  focusFunction(name: string): void;
  setTimeRange(startMs: number, range: BucketRange | null): void;
}

export const createViewSlice: Slice<ViewSlice> = (set) => ({
  open: null,
  redaction: NO_REDACTION,
  search: '',
  inverted: false,
  focus: null,
  timeRange: null,

  setRedaction(settings) {
    set({ redaction: normalizeRedaction(settings) });
  },
  setSearch(text) {
    set({ search: text.slice(0, MAX_SEARCH_CHARS) });
  },
  setInverted(inverted) {
    set({ inverted });
  },
  focusFunction(name) {
    set((s) => ({ focus: { name, seq: (s.focus?.seq ?? 0) + 1 } }));
  },
  setTimeRange(startMs, range) {
    set({ timeRange: range ? { startMs, range } : null });
  },
});
