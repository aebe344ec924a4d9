// The CLI as a table of commands: each names its words, positionals and options (node:util
// parseArgs specs plus what the usage shows), and runs. Parsing, dispatch and the usage text
// all come from the table, so the usage lists every option that exists.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EmberError } from '../../core/errors';
import type { Services } from '../services/types';

export interface OptionDef {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** May be given several times (values collected). */
  readonly multiple?: boolean;
  /** The value's placeholder in the usage, e.g. 'N' (string options). */
  readonly value?: string;
  /** Options of one group exclude each other; the usage shows them as [--a | --b]. */
  readonly group?: string;
}

export type OptionDefs = Readonly<Record<string, OptionDef>>;

export interface Positional {
  /** As the usage shows it: `<dest>`, `ID`, `[HOST]` (brackets: optional). */
  readonly name: string;
  /** Completes "<command> needs …" when it is missing (required positionals). */
  readonly missing?: string;
}

export type OptionValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

export interface CommandContext {
  readonly values: OptionValues;
  /** The positionals after the command's words. */
  readonly positionals: readonly string[];
  readonly version: string;
  /** The app's own known_hosts file (the one `known-hosts remove` edits). */
  readonly knownHostsFile: string;
  /** The services, created on first use and closed when the command ends. */
  services(): Services;
}

export interface Command {
  /** One or two words: `capture`, `library export`. */
  readonly name: string;
  readonly args?: readonly Positional[];
  readonly options?: OptionDefs;
  /** One line for the usage. */
  readonly summary: string;
  run(ctx: CommandContext): Promise<number>;
}

function bad(message: string): EmberError {
  return new EmberError('BAD_OPTIONS', message);
}

const isOptional = (p: Positional): boolean => p.name.startsWith('[');

/** The command `argv` names, and the arguments after its words. */
export function findCommand(table: readonly Command[], argv: readonly string[]): { command: Command; rest: readonly string[] } {
  const [first = '', second] = argv;
  const two = table.find((c) => c.name === `${first} ${second ?? ''}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = table.find((c) => c.name === first);
  if (one) return { command: one, rest: argv.slice(1) };
  const family = table.filter((c) => c.name.startsWith(`${first} `));
  if (family.length > 0) throw bad(`usage: ${family.map((c) => `emberscope ${synopsis(c)}`).join(' | ')}`);
  throw bad(`unknown command ${JSON.stringify(first.slice(0, 40))}; try emberscope --help`);
}

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;

function parseArgsConfig(defs: OptionDefs): ParseArgsOptions {
  const config: ParseArgsOptions = {};
  for (const [name, d] of Object.entries(defs)) {
    config[name] = { type: d.type, ...(d.short !== undefined ? { short: d.short } : {}), ...(d.multiple ? { multiple: true } : {}) };
  }
  return config;
}

function joinWords(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1] ?? ''}`;
}

/** parseArgs takes the last of a repeated option; a repeat that is not `multiple` is refused instead. */
function refuseRepeats(tokens: readonly { kind: string; name?: string }[], defs: OptionDefs): void {
  const seen = new Set<string>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined) continue;
    if (seen.has(t.name) && !defs[t.name]?.multiple) throw bad(`--${t.name} given twice`);
    seen.add(t.name);
  }
}

function refuseGroupClashes(values: OptionValues, defs: OptionDefs): void {
  const groups = new Map<string, string[]>();
  for (const [name, d] of Object.entries(defs)) if (d.group !== undefined) groups.set(d.group, [...(groups.get(d.group) ?? []), name]);
  for (const members of groups.values()) {
    if (members.filter((m) => values[m] !== undefined).length > 1) throw bad(`${joinWords(members.map((m) => `--${m}`))} exclude each other: give one.`);
  }
}

function checkPositionals(command: Command, positionals: readonly string[]): void {
  const args = command.args ?? [];
  const missing = args.filter((a) => !isOptional(a))[positionals.length];
  if (missing) throw bad(`${command.name} needs ${missing.missing ?? missing.name}.`);
  if (positionals.length > args.length) throw bad(`unexpected argument ${JSON.stringify(positionals[args.length]?.slice(0, 40))}`);
}

/** Parses a command's arguments with node:util parseArgs; every refusal is BAD_OPTIONS, one line. */
export function parseCommandLine(command: Command, rest: readonly string[], common: OptionDefs): { values: OptionValues; positionals: readonly string[] } {
  const defs = { ...common, ...command.options };
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], options: parseArgsConfig(defs), allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw bad((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'bad arguments');
  }
  refuseRepeats(parsed.tokens, defs);
  refuseGroupClashes(parsed.values, defs);
  if (parsed.values['help'] !== true) checkPositionals(command, parsed.positionals);
  return { values: parsed.values, positionals: parsed.positionals };
}

// ---------------------------------------------------------------- usage

function optionWords(name: string, d: OptionDef): string {
  const flag = d.short !== undefined ? `-${d.short}|--${name}` : `--${name}`;
  return d.type === 'string' ? `${flag} ${d.value ?? 'VALUE'}` : flag;
}

/** `[--a N]`, `[--b | --c]`, `[--d REGEX]...`: one bracket per option or group, in table order. */
function optionParts(defs: OptionDefs): string[] {
  const parts: string[] = [];
  const shownGroups = new Set<string>();
  for (const [name, d] of Object.entries(defs)) {
    if (d.group !== undefined) {
      if (shownGroups.has(d.group)) continue;
      shownGroups.add(d.group);
      const members = Object.entries(defs).filter(([, m]) => m.group === d.group);
      parts.push(`[${members.map(([n, m]) => optionWords(n, m)).join(' | ')}]`);
    } else {
      parts.push(`[${optionWords(name, d)}]${d.multiple ? '...' : ''}`);
    }
  }
  return parts;
}

function synopsisParts(command: Command): string[] {
  return [command.name, ...(command.args ?? []).map((a) => a.name), ...optionParts(command.options ?? {})];
}

export function synopsis(command: Command): string {
  return synopsisParts(command).join(' ');
}

/** Parts joined by spaces into lines of at most `width` characters, continued under `indent`. */
function wrap(parts: readonly string[], first: string, indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = first;
  for (const part of parts) {
    if (line.trim() !== '' && line.length + 1 + part.length > width) {
      lines.push(line);
      line = indent;
    }
    line += line.trim() === '' ? part : ` ${part}`;
  }
  return [...lines, line];
}

/** The whole usage text, from the table. */
export function usage(table: readonly Command[], common: OptionDefs, notes: readonly string[]): string {
  const lines = ['usage: emberscope <command> [options]'];
  for (const c of table) lines.push(...wrap(synopsisParts(c), '  ', ' '.repeat(4 + c.name.length)), `      ${c.summary}`);
  lines.push(...notes, ...wrap(optionParts(common), 'common:', '        '));
  return lines.join('\n');
}

// ---------------------------------------------------------------- typed reads of the values

export function text(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function texts(values: OptionValues, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

export function wholeNumber(values: OptionValues, name: string, min: number, max: number): number | undefined {
  const v = text(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw bad(`--${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(v.slice(0, 40))}`);
  return Number(v);
}
