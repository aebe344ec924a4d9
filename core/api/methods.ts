// The request/response methods of the API and how many arguments each takes. Pure data: the
// sandboxed preload bundles it, the browser mode's client forwards exactly these, and the
// validator refuses calls with more arguments.
import type { ApiMethod } from './api';

export const METHOD_ARITY = Object.freeze({
  appInfo: 0,
  listHosts: 0,
  saveHost: 1,
  removeHost: 1,
  connect: 1,
  disconnect: 1,
  answerPrompt: 1,
  checkHost: 1,
  setupPlan: 2,
  runSetup: 2,
  startCapture: 2,
  stopCapture: 1,
  listRunningCaptures: 0,
  listConnections: 0,
  listCaptures: 0,
  openCapture: 1,
  removeCapture: 1,
  importProfile: 1,
  beginImport: 1,
  importChunk: 1,
  finishImport: 1,
  cancelImport: 1,
  exportCapture: 1,
  compareCaptures: 1,
  exportComparison: 1,
} as const satisfies Record<ApiMethod, number>);

export const API_METHODS = Object.keys(METHOD_ARITY) as ApiMethod[];

export function isApiMethod(value: unknown): value is ApiMethod {
  return typeof value === 'string' && Object.hasOwn(METHOD_ARITY, value);
}

/** IPC channels of the Electron shell. */
export const IPC_CALL = 'emberscope:call';
export const IPC_EVENT = 'emberscope:event';
