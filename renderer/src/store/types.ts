// The store's type (the slices combined) and what a slice is given to work with.
import type { StateCreator, StoreApi } from 'zustand';
import type { EmberscopeApi } from '../../../core/api';
import type { AppSlice } from './app';
import type { CaptureSlice } from './capture';
import type { CompareSlice } from './compare';
import type { HostsSlice } from './hosts';
import type { LibrarySlice } from './library';
import type { PromptsSlice } from './prompts';
import type { ViewSlice } from './view';
import type { InvestigationSlice } from './investigate';

export type Store = AppSlice & HostsSlice & PromptsSlice & CaptureSlice & LibrarySlice & ViewSlice & CompareSlice & InvestigationSlice;

/** One part of the store: its state and actions, with set/get over the whole store. */
export type Slice<T> = StateCreator<Store, [], [], T>;

export type SetState = StoreApi<Store>['setState'];
export type GetState = StoreApi<Store>['getState'];

/** The API given to init; actions called before it fail as an INTERNAL error. */
export function requireApi(get: GetState): EmberscopeApi {
  const a = get().api;
  if (!a) throw new Error('INTERNAL: the API is not ready');
  return a;
}
