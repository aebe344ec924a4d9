// Events pushed by the app, each to the part of the store it concerns.
import type { ApiEvent } from '../../../core/api';
import { onCaptureEnded, onCaptureProgress, onCaptureStarted } from './capture';
import { patchHost } from './hosts';
import { dropPrompt, queuePrompt } from './prompts';
import type { GetState, SetState } from './types';

export function routeEvent(event: ApiEvent, set: SetState, get: GetState): void {
  switch (event.type) {
    case 'prompt':
      queuePrompt(set, event.prompt);
      break;
    case 'prompt-cancelled':
      dropPrompt(set, event.promptId);
      break;
    case 'capture-progress':
      onCaptureProgress(event, set, get);
      break;
    case 'capture-started':
      onCaptureStarted(event, set, get);
      break;
    case 'capture-ended':
      onCaptureEnded(event, set, get);
      break;
    case 'setup-progress':
      patchHost(set, event.hostId, { setupProgress: { step: event.step, total: event.total, message: event.message } });
      break;
    case 'upload-progress':
      patchHost(set, event.hostId, { upload: event.transferred >= event.total ? null : { file: event.file, transferred: event.transferred, total: event.total } });
      break;
    case 'connection':
      if (event.state === 'disconnected') {
        patchHost(set, event.hostId, { phase: 'idle', connection: null });
        if (event.message) set({ notice: event.message });
      }
      break;
  }
}
