// The sampler's stderr: its last lines (for the ended event) and the errors it states as
// `emberscope-sampler: CODE: words`.
import { LineSplitter } from '../../../core/util/lines';
import { SAMPLER_ERROR_CODES, type CodedMessage } from './classify';

const TAIL_LINES = 20;
const MAX_LINE = 1000;
const CODED = /^emberscope-sampler: ([A-Z_]+): (.*)$/;
const CHATTER = /^emberscope-sampler: (info|debug|verbose):/;

export class SamplerStderr {
  private readonly lines = new LineSplitter(8192);
  private readonly tail: string[] = [];
  private lastCoded = '';
  /** The last line with one of SAMPLER_ERROR_CODES. */
  knownError: CodedMessage | undefined;

  /** Takes a chunk of stderr; returns its complete lines. */
  push(chunk: string): string[] {
    const lines = this.lines.push(chunk).map((l) => l.slice(0, MAX_LINE));
    for (const line of lines) this.take(line);
    return lines;
  }

  private take(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    const m = CODED.exec(line);
    if (!m) return;
    const [, code = '', message = ''] = m;
    this.lastCoded = `${code}: ${message}`;
    if ((SAMPLER_ERROR_CODES as readonly string[]).includes(code)) this.knownError = { code, message };
  }

  /** For messages: the last error line (`CODE: words`), else the last lines that are not chatter. */
  why(): string {
    return this.lastCoded || this.tail.filter((l) => !CHATTER.test(l)).slice(-2).join(' | ').slice(0, 300) || 'no output';
  }

  tailText(): string {
    return this.tail.join('\n').slice(-4000);
  }
}
