// Questions the app asks the user (host keys, passwords), queued until answered or cancelled.
import type { Prompt, PromptAnswer } from '../../../core/api';
import { requireApi, type SetState, type Slice } from './types';

export interface PromptsSlice {
  prompts: readonly Prompt[];
  answerPrompt(answer: PromptAnswer): Promise<void>;
}

/** Adds the prompt, replacing one with the same id. */
export function queuePrompt(set: SetState, prompt: Prompt): void {
  set((s) => ({ prompts: [...s.prompts.filter((p) => p.promptId !== prompt.promptId), prompt] }));
}

export function dropPrompt(set: SetState, promptId: string): void {
  set((s) => ({ prompts: s.prompts.filter((p) => p.promptId !== promptId) }));
}

export const createPromptsSlice: Slice<PromptsSlice> = (set, get) => ({
  prompts: [],

  async answerPrompt(answer) {
    dropPrompt(set, answer.promptId);
    try {
      await requireApi(get).answerPrompt(answer);
    } catch (e) {
      get().fail(e, 'Your answer could not be delivered');
    }
  },
});
