// What several commands share: stderr lines, JSON output, connecting with the common options,
// the export redaction and the confirmation of a root plan.
import { EmberError } from '../../core/errors';
import { isPreset } from '../../core/redaction';
import type { ConnectOptions, ExportOptions, RedactionPreset, Session } from '../services/types';
import { flag, text, wholeNumber, type CommandContext, type OptionValues } from './command-line';
import { cliPrompts, confirm, haveTerminal } from './prompts';

export function err(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function connectOptions(values: OptionValues): ConnectOptions {
  const port = wholeNumber(values, 'port', 1, 65535);
  const identity = text(values, 'identity');
  return {
    ...(port !== undefined ? { port } : {}),
    ...(identity !== undefined ? { identityFile: identity } : {}),
    unknownHostKey: flag(values, 'accept-new-host-key') ? 'accept-new' : haveTerminal() ? 'ask' : 'refuse',
  };
}

/** Connects to the command's destination (its first positional), showing deploy uploads. */
export async function connectTo(ctx: CommandContext): Promise<Session> {
  const session = await ctx.services().connect(ctx.positionals[0] ?? '', cliPrompts(), connectOptions(ctx.values));
  session.onUpload((p) => {
    if (p.total > 0) process.stderr.write(`\ruploading ${p.file}: ${Math.round((100 * p.transferred) / p.total)}% of ${(p.total / 1048576).toFixed(1)} MiB${p.transferred >= p.total ? '\n' : ''}`);
  });
  return session;
}

export function redactionFrom(values: OptionValues, fallback: RedactionPreset = 'standard'): RedactionPreset {
  const r = text(values, 'redact') ?? fallback;
  if (!isPreset(r)) throw new EmberError('BAD_OPTIONS', `--redact must be one of none, paths, standard, strict, all (not ${JSON.stringify(r.slice(0, 30))}).`);
  return r;
}

/** --team-key: the masking hash key kept in the keychain (exports can be compared). */
export function hashKeyFrom(values: OptionValues): ExportOptions['hashKey'] {
  return flag(values, 'team-key') ? 'team' : 'random';
}

/** Shows the exact root commands; runs them after `y` or --yes. */
export async function confirmPlan(values: OptionValues, what: string, plan: { readonly commands: readonly string[]; readonly notes: readonly string[]; readonly via: string }): Promise<boolean> {
  err(`${what} will run these commands as root (${plan.via === 'root' ? 'connected as root' : plan.via === 'sudo-n' ? 'through sudo -n' : 'through sudo -S, the password is asked'}):`);
  for (const c of plan.commands) err(`  ${c}`);
  for (const n of plan.notes) err(`note: ${n}`);
  if (flag(values, 'yes')) return true;
  if (!haveTerminal()) throw new EmberError('BAD_OPTIONS', `${what} needs --yes when there is no terminal to confirm on.`);
  return confirm('Run them?');
}
