// The app as a whole: the API object, the app's info, the link, the error banner, notices, the
// screen shown and the busy line.
import type { AppInfo, EmberscopeApi } from '../../../core/api';
import { toFailure } from '../api';
import { describeFailure, type UiError } from '../failure';
import { routeEvent } from './route-event';
import type { Slice } from './types';

export type Screen = { readonly kind: 'welcome' } | { readonly kind: 'host'; readonly hostId: string } | { readonly kind: 'profile' } | { readonly kind: 'compare' };

export interface AppSlice {
  api: EmberscopeApi | null;
  info: AppInfo | null;
  linkUp: boolean;
  error: UiError | null;
  notice: string | null;
  screen: Screen;
  busy: string | null;

  init(api: EmberscopeApi): Promise<void>;
  fail(error: unknown, title: string): void;
  dismissError(): void;
  setNotice(text: string | null): void;
  go(screen: Screen): void;
}

export const createAppSlice: Slice<AppSlice> = (set, get) => ({
  api: null,
  info: null,
  linkUp: true,
  error: null,
  notice: null,
  screen: { kind: 'welcome' },
  busy: null,

  async init(a) {
    set({ api: a });
    a.onEvent((event) => routeEvent(event, set, get));
    try {
      const info = await a.appInfo();
      set({ info });
    } catch (e) {
      get().fail(e, 'Emberscope could not start');
      return;
    }
    await Promise.all([get().refreshHosts(), get().refreshLibrary()]);
    await get().reattach();
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
});
