// Reading an API error back from a rejected call: the backend rejects with `CODE: message`;
// Electron's ipcRenderer.invoke wraps it as "Error invoking remote method 'm': Error: CODE: message".
import type { ErrorCode } from '../errors';
import type { ApiErrorInfo } from './types';

const IPC_WRAPPER = /^Error invoking remote method '[^']*': (?:Error: )?/;
const CODE_PREFIX = /^([A-Z][A-Z_]+): ([\s\S]*)$/;

/** The message without Electron's IPC wrapper. */
export function unwrapRemoteError(message: string): string {
  return message.replace(IPC_WRAPPER, '');
}

/** `CODE: message` (wrapped or not) as an ApiErrorInfo; null when the message has no code. */
export function parseApiError(message: string): ApiErrorInfo | null {
  const m = CODE_PREFIX.exec(unwrapRemoteError(message));
  return m ? { code: m[1] as ErrorCode, message: m[2] ?? '' } : null;
}
