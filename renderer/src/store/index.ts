// The console's state (zustand), in slices. Everything from the API is untrusted data: it is
// kept as plain values here and rendered as text by the components.
import { create } from 'zustand';
import { createAppSlice } from './app';
import { createCaptureSlice } from './capture';
import { createCompareSlice } from './compare';
import { createHostsSlice } from './hosts';
import { createLibrarySlice } from './library';
import { createPromptsSlice } from './prompts';
import { createViewSlice } from './view';
import { createInvestigationSlice } from './investigate';
import type { Store } from './types';

export const useStore = create<Store>()((...a) => ({
  ...createAppSlice(...a),
  ...createHostsSlice(...a),
  ...createPromptsSlice(...a),
  ...createCaptureSlice(...a),
  ...createLibrarySlice(...a),
  ...createViewSlice(...a),
  ...createCompareSlice(...a),
  ...createInvestigationSlice(...a),
}));

export type { Store } from './types';
export type { Screen } from './app';
export type { HostState } from './hosts';
export type { LiveCapture } from './capture';
export type { OpenProfile } from './view';
export type { ViewMode, SelectedFrame } from './investigate';
export { transformsOf } from './investigate';
export type { PendingExport } from './library';
export type { UiError } from '../failure';
export { describeFailure } from '../failure';
