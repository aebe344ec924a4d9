// The plain-data contract between the UI and the app: methods, arguments, events, results,
// limits, error codes. Imported by electron/, renderer/, e2e/ and the tests.
export type * from './types';
export type * from './api';
export { API_METHODS, IPC_CALL, IPC_EVENT, METHOD_ARITY, isApiMethod } from './methods';
export {
  IMPORT_CHUNK_BYTES,
  IMPORT_TOO_LARGE_MESSAGE,
  MAX_IMPORT_BASE64_CHARS,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_CHUNK_BASE64_CHARS,
  MAX_IMPORT_FILE_BYTES,
  MAX_IMPORT_FOLDED_BYTES,
  MAX_IMPORT_PPROF_BYTES,
  formatImportLimit,
} from './limits';
export { parseApiError, unwrapRemoteError } from './errors';
export { SEVERITY_WORST_FIRST } from './severity';
export type { ErrorCode } from '../errors';
export { previousCaptureOf } from './compare';
