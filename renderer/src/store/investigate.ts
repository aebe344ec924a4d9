// The investigation views' state: which view (call tree, inverted, sandwich), the process
// level, the transforms (a breadcrumb), the selected frame (the details pane) and whether the
// transforms go into exports. Transforms and selection belong to what is shown (`key`, the
// open capture or the live one): opening something else starts afresh without any reset call.
import type { FlameNodeKind, ProfileTransform } from '../../../core/profile';
import { MAX_TRANSFORMS } from '../../../core/profile';
import type { Slice } from './types';

export type ViewMode = 'call-tree' | 'inverted' | 'sandwich';

/** A frame the user clicked (or focused and pressed Enter on), as the graph showed it. */
export interface SelectedFrame {
  readonly name: string;
  readonly kind: FlameNodeKind;
  /** Samples of this node and below. */
  readonly value: number;
  readonly self: number;
  /** Samples of the parent node; null for the root. */
  readonly parentValue: number | null;
  /** Names from the root (root excluded) down to this node, in the tree it was picked from. */
  readonly path: readonly string[];
  /** The tree it was picked from. */
  readonly tree: 'call-tree' | 'inverted' | 'callers' | 'callees';
}

export interface InvestigationSlice {
  viewMode: ViewMode;
  /** The process level: null follows the profile (on when it has several processes). */
  byProcess: boolean | null;
  /** Function shown in the sandwich. */
  sandwichName: string | null;
  transforms: { readonly key: string; readonly list: readonly ProfileTransform[] };
  selected: { readonly key: string; readonly frame: SelectedFrame } | null;
  /** Apply the transforms to exports too (off unless the user asks). */
  transformsInExport: boolean;

  setViewMode(mode: ViewMode): void;
  setByProcess(on: boolean): void;
  showSandwich(name: string): void;
  /** Adds a transform; a process or thread filter replaces the previous one of its type. */
  addTransform(key: string, transform: ProfileTransform): void;
  /** Removes the transform at `index` and every one after it (they were made on its result). */
  popTransforms(key: string, index: number): void;
  /** Sets (or with null removes) the process or thread filter. */
  setRowFilter(key: string, type: 'only-processes' | 'only-threads', ids: readonly number[] | null): void;
  selectFrame(key: string, frame: SelectedFrame | null): void;
  setTransformsInExport(on: boolean): void;
}

export const createInvestigationSlice: Slice<InvestigationSlice> = (set) => ({
  viewMode: 'call-tree',
  byProcess: null,
  sandwichName: null,
  transforms: { key: '', list: [] },
  selected: null,
  transformsInExport: false,

  setViewMode(mode) {
    set({ viewMode: mode });
  },
  setByProcess(on) {
    set({ byProcess: on });
  },
  showSandwich(name) {
    set({ viewMode: 'sandwich', sandwichName: name });
  },
  addTransform(key, transform) {
    set((s) => {
      const current = s.transforms.key === key ? s.transforms.list : [];
      const replaces = transform.type === 'only-processes' || transform.type === 'only-threads';
      const list = replaces ? current.filter((t) => t.type !== transform.type) : current;
      if (list.length >= MAX_TRANSFORMS) return {};
      return { transforms: { key, list: [...list, transform] }, selected: null };
    });
  },
  popTransforms(key, index) {
    set((s) => (s.transforms.key === key ? { transforms: { key, list: s.transforms.list.slice(0, Math.max(0, index)) }, selected: null } : {}));
  },
  setRowFilter(key, type, ids) {
    set((s) => {
      const current = s.transforms.key === key ? s.transforms.list : [];
      const others = current.filter((t) => t.type !== type);
      if (ids === null) return { transforms: { key, list: others } };
      const filter: ProfileTransform = type === 'only-processes' ? { type, pids: [...ids] } : { type, tids: [...ids] };
      return { transforms: { key, list: [...others, filter].slice(-MAX_TRANSFORMS) } };
    });
  },
  selectFrame(key, frame) {
    set({ selected: frame ? { key, frame } : null });
  },
  setTransformsInExport(on) {
    set({ transformsInExport: on });
  },
});

/** The transforms of the view `key` (none when they were made for another one). */
export function transformsOf(s: { readonly transforms: InvestigationSlice['transforms'] }, key: string): readonly ProfileTransform[] {
  return s.transforms.key === key ? s.transforms.list : NONE;
}

/** One empty list, so that a selector returning it keeps the same value. */
const NONE: readonly ProfileTransform[] = Object.freeze([]);
