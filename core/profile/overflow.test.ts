import { describe, expect, it } from 'vitest';
import { describeOverflow } from './overflow';

const none = { stacks: 0, frames: 0, truncatedFrames: 0, samples: 0, truncatedStrings: 0 };

describe('describeOverflow', () => {
  it('says nothing for a complete profile', () => {
    expect(describeOverflow(none)).toBeNull();
  });

  it('names every refused kind with its count, in one sentence', () => {
    const text = describeOverflow({ stacks: 1500000, frames: 1, truncatedFrames: 200, samples: 3000000, truncatedStrings: 7 });
    expect(text).toBe(
      "This profile reached the app's size limits: 1,500,000 stacks merged into [stack limit reached], 1 frame merged into [frame limit reached], 3,000,000 samples counted there, 200 frames cut from stacks over the depth limit, 7 names shortened.",
    );
    expect(text?.split('. ')).toHaveLength(1);
  });

  it('mentions only what happened', () => {
    expect(describeOverflow({ ...none, truncatedStrings: 2 })).toBe("This profile reached the app's size limits: 2 names shortened.");
  });
});
