// Splits a text stream (a child's stderr, an SSH channel's stderr) into lines.

export class LineSplitter {
  private pending = '';

  /** `maxPending`: how much of an unfinished line is kept (its tail) while no newline comes. */
  constructor(private readonly maxPending = 65536) {}

  /** The complete lines of `chunk` (without their newline); an unfinished last line waits for the next chunk. */
  push(chunk: string): string[] {
    const parts = (this.pending + chunk).split('\n');
    const rest = parts.pop() ?? '';
    this.pending = rest.length > this.maxPending ? rest.slice(-this.maxPending) : rest;
    return parts;
  }

  /** The unfinished last line ('' if none); the splitter is empty afterwards. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }
}
