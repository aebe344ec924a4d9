// Command-line parsing for `emberscope` (no dependency): GNU-style long options (`--x v`,
// `--x=v`), short options with a value (`-p 22`, `-p22`), repeatable options, and `--`.
import { EmberError } from '../../core/errors';

export interface OptionSpec {
  /** Takes a value. */
  readonly value?: boolean;
  /** May be given several times (values collected). */
  readonly repeat?: boolean;
  /** Short alias, e.g. 'p' for -p. */
  readonly short?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly options: ReadonlyMap<string, readonly string[]>;
}

function bad(message: string): EmberError {
  return new EmberError('BAD_OPTIONS', message);
}

export function parseArgs(argv: readonly string[], specs: OptionSpecs): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string[]>();
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) if (spec.short) byShort.set(spec.short, name);
  const put = (name: string, value: string): void => {
    const spec = specs[name];
    if (!spec) throw bad(`unknown option --${name}`);
    const list = options.get(name) ?? [];
    if (list.length > 0 && !spec.repeat) throw bad(`--${name} given twice`);
    list.push(value);
    options.set(name, list);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = specs[name];
      if (!spec) throw bad(`unknown option --${name.slice(0, 40)}`);
      if (spec.value) {
        const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined) throw bad(`--${name} needs a value`);
        put(name, value);
      } else {
        if (eq >= 0) throw bad(`--${name} takes no value`);
        put(name, 'true');
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const letter = arg[1] ?? '';
      const name = byShort.get(letter);
      if (!name) throw bad(`unknown option -${letter}`);
      const spec = specs[name];
      if (spec?.value) {
        const value = arg.length > 2 ? arg.slice(2) : argv[++i];
        if (value === undefined) throw bad(`-${letter} needs a value`);
        put(name, value);
      } else {
        if (arg.length > 2) throw bad(`-${letter} takes no value`);
        put(name, 'true');
      }
      continue;
    }
    positionals.push(arg);
  }
  return { positionals, options };
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.options.has(name);
}

export function str(args: ParsedArgs, name: string): string | undefined {
  return args.options.get(name)?.[0];
}

export function list(args: ParsedArgs, name: string): string[] {
  return [...(args.options.get(name) ?? [])];
}

export function int(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw bad(`--${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(v.slice(0, 40))}`);
  return Number(v);
}
