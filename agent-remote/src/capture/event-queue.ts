// The capture's outgoing events, sent in order with backpressure: past HIGH queued events the
// sampler's output is paused, below LOW it is resumed.
import type { CaptureEvent } from '../../../core/protocol/generated/emberscope.generated';

const HIGH = 64;
const LOW = 16;

export type Send = (event: CaptureEvent) => Promise<void>;

export interface Flow {
  pause(): void;
  resume(): void;
}

export class EventQueue {
  private readonly items: CaptureEvent[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(private readonly flow: Flow) {}

  push(event: CaptureEvent): void {
    this.items.push(event);
    if (this.items.length > HIGH) this.flow.pause();
    this.wake?.();
  }

  /** No more events will come from the source: drain() returns once the queue is empty. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** Sends queued events one at a time (each send awaited) until close() and an empty queue. */
  async drain(send: Send): Promise<void> {
    for (;;) {
      let event: CaptureEvent | undefined;
      while ((event = this.items.shift()) !== undefined) {
        await send(event);
        if (this.items.length < LOW) this.flow.resume();
      }
      if (this.closed) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}
