// The sandboxed preload: exposes exactly one object, `window.emberscope` (EmberscopeApi), whose
// methods forward to main over one IPC channel. Main validates every call (shape and sender);
// nothing of Electron or Node is reachable from the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_METHODS, IPC_CALL, IPC_EVENT, unwrapRemoteError, type ApiEvent, type EmberscopeApi } from '../core/api';

/** ipcRenderer.invoke wraps errors as "Error invoking remote method ...: Error: CODE: message". */
function cleanError(error: unknown): Error {
  return new Error(unwrapRemoteError(error instanceof Error ? error.message : String(error)));
}

const api: Record<string, unknown> = {};
for (const method of API_METHODS) {
  api[method] = (...args: unknown[]): Promise<unknown> =>
    ipcRenderer.invoke(IPC_CALL, method, args).catch((e: unknown) => {
      throw cleanError(e);
    });
}
api.onEvent = (listener: (event: ApiEvent) => void): (() => void) => {
  if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
  const handler = (_e: IpcRendererEvent, event: ApiEvent): void => listener(event);
  ipcRenderer.on(IPC_EVENT, handler);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT, handler);
  };
};

contextBridge.exposeInMainWorld('emberscope', Object.freeze(api) as unknown as EmberscopeApi);
