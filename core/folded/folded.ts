// Folded stacks (Brendan Gregg's format): one line per stack, frames root-first separated by
// `;`, a space, the sample count. Kernel and JIT frames carry flamegraph.pl's `_[k]` / `_[j]`
// suffixes. The format has no escaping of its own; names with `;`, a backslash or a line
// break are written with backslash escapes (`\;`, `\\`, `\n`, `\r`), which the importer reads.
import { EmberError } from '../errors';
import { countsPerStack } from '../profile/aggregate';
import { profileFromParts } from '../profile/builder';
import { DEFAULT_LIMITS, type ProfileLimits } from '../profile/limits';
import { makeFrame, type Frame, type FrameKind, type Profile, type SampleRow } from '../profile/types';

export interface FoldedExportOptions {
  /** Start every stack with the process name (comm), like `perf script | stackcollapse-perf.pl --pid` without the pid. */
  readonly byProcess?: boolean;
  /** Add `_[k]` to kernel frames and `_[j]` to JIT frames (default true). */
  readonly annotateKinds?: boolean;
}

export interface FoldedImportOptions {
  /** Largest input accepted, in characters (default 256 Mi). */
  readonly maxChars?: number;
  readonly limits?: Partial<ProfileLimits>;
}

/** Longest line read (a file without line breaks is not folded stacks). */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

const SUFFIX: Partial<Record<FrameKind, string>> = { kernel: '_[k]', jit: '_[j]' };

export function escapeFrameName(name: string): string {
  return name.replace(/[\\;\n\r]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
}

export function toFolded(profile: Profile, options: FoldedExportOptions = {}): string {
  const annotate = options.annotateKinds ?? true;
  const names = profile.frames.map((f) => escapeFrameName(f.name) + (annotate ? (SUFFIX[f.kind] ?? '') : ''));
  const pathOf = (stack: readonly number[]): string => {
    const parts: string[] = [];
    for (let i = stack.length - 1; i >= 0; i--) parts.push(names[stack[i] ?? -1] ?? '[unknown]');
    return parts.join(';');
  };
  const lines = new Map<string, number>();
  const add = (path: string, count: number): void => {
    if (count > 0 && path !== '') lines.set(path, (lines.get(path) ?? 0) + count);
  };
  if (options.byProcess) {
    for (const row of profile.samples) {
      const stack = profile.stacks[row.stack] ?? [];
      const comm = escapeFrameName(row.comm === '' ? '[unknown]' : row.comm);
      add(stack.length > 0 ? `${comm};${pathOf(stack)}` : comm, row.count);
    }
  } else {
    countsPerStack(profile).forEach((count, index) => add(pathOf(profile.stacks[index] ?? []), count));
  }
  const sorted = [...lines].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map(([path, count]) => `${path} ${count}\n`).join('');
}

function lineError(line: number, message: string): never {
  throw new EmberError('BAD_INPUT', `folded stacks, line ${line}: ${message}`);
}

/** Splits a path on unescaped `;` and undoes the escapes. */
function splitFrames(path: string, line: number): string[] {
  const frames: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\' && i + 1 < path.length) {
      const next = path[i + 1];
      if (next === ';' || next === '\\') current += next;
      else if (next === 'n') current += '\n';
      else if (next === 'r') current += '\r';
      else {
        current += c;
        continue;
      }
      i++;
    } else if (c === ';') {
      if (current === '') lineError(line, `frame ${frames.length + 1} is empty (two ";" in a row)`);
      frames.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (current === '') lineError(line, `frame ${frames.length + 1} is empty (the stack ends with ";")`);
  frames.push(current);
  return frames;
}

function frameFromFolded(text: string): Frame {
  if (text.endsWith('_[k]')) return makeFrame(text.slice(0, -4), { kind: 'kernel' });
  if (text.endsWith('_[j]')) return makeFrame(text.slice(0, -4), { kind: 'jit', status: 'jit' });
  if (text.endsWith('_[i]') || text.endsWith('_[w]')) return makeFrame(text.slice(0, -4));
  return makeFrame(text);
}

export function fromFolded(text: string, options: FoldedImportOptions = {}): Profile {
  if (typeof text !== 'string') throw new EmberError('BAD_INPUT', 'folded stacks must be text');
  const maxChars = options.maxChars ?? 256 * 1024 * 1024;
  if (text.length > maxChars) throw new EmberError('TOO_LARGE', `the folded file has ${text.length} characters, more than the ${maxChars} accepted`);
  const reader = new FoldedReader(options);
  reader.push(text);
  return reader.finish();
}

/**
 * Folded stacks read piece by piece (a file streamed from disk, gunzipped on the way): memory
 * grows with the distinct frames and stacks, not with the size of the file.
 */
export class FoldedReader {
  private readonly limits: ProfileLimits;
  private readonly frameIndex = new Map<string, number>();
  private readonly frames: Frame[] = [];
  private readonly stackIndex = new Map<string, number>();
  private readonly stacks: number[][] = [];
  private readonly counts: number[] = [];
  private lineNo = 0;
  /** The unfinished last line of the text pushed so far. */
  private carry = '';

  constructor(private readonly options: FoldedImportOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  /** More of the text (any split, also inside a line). */
  push(text: string): void {
    const lines = (this.carry + text).split('\n');
    this.carry = lines.pop() ?? '';
    for (const raw of lines) this.line(raw);
    if (this.carry.length > MAX_LINE_CHARS) lineError(this.lineNo + 1, 'the line is longer than 16 Mi characters: this is not folded stacks');
  }

  /** The profile of everything pushed. */
  finish(): Profile {
    this.line(this.carry);
    this.carry = '';
    const samples: SampleRow[] = this.counts.map((count, stack) => ({ stack, comm: '', pid: 0, tid: 0, count }));
    // Merged lines may exceed the per-delta count bound; the file total is what matters here.
    return profileFromParts({ frames: this.frames, stacks: this.stacks, samples }, { ...this.options.limits, maxCount: Number.MAX_SAFE_INTEGER });
  }

  private line(raw: string): void {
    const lineNo = ++this.lineNo;
    const { limits } = this;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const m = /^(.*?)[ \t]+(\S+)$/.exec(line);
    if (!m) lineError(lineNo, 'expected "frame;frame;... count", found no count after the stack');
    const [, path = '', countText = ''] = m;
    if (!/^\d+$/.test(countText)) lineError(lineNo, `the count ${JSON.stringify(countText.slice(0, 20))} is not a whole number`);
    const count = Number(countText);
    if (!Number.isSafeInteger(count) || count > limits.maxCount) lineError(lineNo, `the count ${countText.slice(0, 20)} is larger than ${limits.maxCount}`);
    if (path.trim() === '') lineError(lineNo, 'the stack before the count is empty');
    const names = splitFrames(path, lineNo);
    if (names.length > limits.maxStackDepth) lineError(lineNo, `the stack has ${names.length} frames, more than ${limits.maxStackDepth}`);
    const stack: number[] = [];
    for (let j = names.length - 1; j >= 0; j--) {
      const name = names[j] ?? '';
      let index = this.frameIndex.get(name);
      if (index === undefined) {
        if (this.frames.length >= limits.maxFrames) lineError(lineNo, `more than ${limits.maxFrames} distinct frames`);
        index = this.frames.push(frameFromFolded(name.length > limits.maxStringLength ? `${name.slice(0, limits.maxStringLength - 1)}…` : name)) - 1;
        this.frameIndex.set(name, index);
      }
      stack.push(index);
    }
    const key = stack.join(',');
    let s = this.stackIndex.get(key);
    if (s === undefined) {
      if (this.stacks.length >= limits.maxStacks) lineError(lineNo, `more than ${limits.maxStacks} distinct stacks`);
      s = this.stacks.push(stack) - 1;
      this.stackIndex.set(key, s);
      this.counts.push(0);
    }
    this.counts[s] = (this.counts[s] ?? 0) + count;
    if ((this.counts[s] ?? 0) > Number.MAX_SAFE_INTEGER) lineError(lineNo, 'the counts add up to more than can be represented');
  }
}
