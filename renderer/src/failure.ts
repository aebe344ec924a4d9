// An API failure as the error banner shows it: a title, one message in plain words ending with
// the next step, and the stable code.
import type { ApiFailure } from './api';

export interface UiError {
  readonly title: string;
  readonly message: string;
  readonly code: string;
}

/** The next step, by error code, for codes whose message may not say it. */
const NEXT_STEP: Readonly<Record<string, string>> = {
  DISCONNECTED: 'Start Emberscope again and reload this page.',
  BAD_INPUT: 'Check that the file is a pprof (.pb.gz) or folded-stacks file, or the values you entered, then try again.',
  TOO_LARGE: 'Try a smaller file or a shorter capture.',
  NOT_FOUND: 'It may have been removed; the list has been refreshed.',
};

export function describeFailure(failure: ApiFailure, title: string): UiError {
  const next = NEXT_STEP[failure.code];
  const raw = (failure.message || 'Something went wrong').trim();
  const message = /[.!?]$/.test(raw) ? raw : `${raw}.`;
  return { title, code: failure.code, message: next && !message.includes(next) ? `${message} ${next}` : message };
}
