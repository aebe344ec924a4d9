// The question the Electron shell asks when the window closes while captures run: quitting
// stops them (each is saved with what was received), or the window stays open.
import type { RunningCapture } from '../../core/api';

/** The button index of "Stop and quit" in QuitQuestion.buttons. */
export const QUIT_STOP_ANSWER = 0;

export interface QuitQuestion {
  readonly type: 'warning';
  readonly title: string;
  readonly message: string;
  readonly detail: string;
  readonly buttons: readonly [string, string];
  readonly defaultId: number;
  readonly cancelId: number;
  readonly noLink: true;
}

/** The dialog's content for these running captures (electron's MessageBoxOptions shape). */
export function quitQuestion(running: readonly RunningCapture[]): QuitQuestion {
  const hosts = [...new Set(running.map((c) => c.hostLabel))];
  const n = running.length;
  return {
    type: 'warning',
    title: 'Captures are running',
    message: n === 1 ? `A capture is running on ${hosts[0] ?? 'a host'}.` : `${n} captures are running (${hosts.join(', ')}).`,
    detail: 'Quitting stops them on the host and saves what was received in the library.',
    buttons: [n === 1 ? 'Stop the capture and quit' : 'Stop the captures and quit', 'Keep running'],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
  };
}
