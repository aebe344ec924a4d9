// `emberscope capture`: the privilege review, the capture with live counts on stderr (Ctrl-C
// stops, a second Ctrl-C cancels), then the exports. The options are core/capture's schema.
import { writeFile } from 'node:fs/promises';
import { DEFAULT_CAPTURE_OPTIONS, requireValidCaptureOptions } from '../../core/capture/options';
import { EmberError } from '../../core/errors';
import { describeOverflow, describeSymbolSources } from '../../core/profile';
import type { CaptureHandle, CaptureOptions, CaptureResult, CaptureTarget, RedactionPreset, Session } from '../services/types';
import { flag, text, texts, type Command, type CommandContext, type OptionDefs, type OptionValues } from './command-line';
import { connectTo, err, hashKeyFrom, printJson, redactionFrom } from './common';
import { EXIT, exitCodeFor } from './exit-codes';

export const CAPTURE_OPTIONS: OptionDefs = {
  seconds: { type: 'string', value: 'N' },
  hz: { type: 'string', value: 'N' },
  pid: { type: 'string', value: 'P', group: 'target' },
  comm: { type: 'string', value: 'NAME', group: 'target' },
  cgroup: { type: 'string', value: 'PATH', group: 'target' },
  strict: { type: 'boolean' },
  'kernel-symbols': { type: 'boolean', group: 'kernel-symbols' },
  'no-kernel-symbols': { type: 'boolean', group: 'kernel-symbols' },
  redact: { type: 'string', value: 'none|paths|standard|strict|all' },
  'redact-pattern': { type: 'string', value: 'REGEX', multiple: true },
  'team-key': { type: 'boolean' },
  title: { type: 'string', value: 'TITLE' },
  output: { type: 'string', short: 'o', value: 'FILE.pb.gz' },
  folded: { type: 'string', value: 'FILE' },
};

/** A whole number as typed; anything else is NaN, which the schema refuses in its own words. */
function typedNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
}

function targetFrom(values: OptionValues): CaptureTarget {
  const pid = typedNumber(text(values, 'pid'));
  if (pid !== undefined) return { kind: 'pid', pid };
  const name = text(values, 'comm');
  if (name !== undefined) return { kind: 'comm', name };
  const path = text(values, 'cgroup');
  if (path !== undefined) return { kind: 'cgroup', path };
  return { kind: 'all' };
}

function kernelSymbolsFrom(values: OptionValues): boolean | undefined {
  if (flag(values, 'kernel-symbols')) return true;
  if (flag(values, 'no-kernel-symbols')) return false;
  return undefined;
}

/** The capture options of the command line, checked by core/capture's schema. */
export function captureOptionsFrom(values: OptionValues): CaptureOptions {
  const kernelSymbols = kernelSymbolsFrom(values);
  const title = text(values, 'title');
  return requireValidCaptureOptions({
    hz: typedNumber(text(values, 'hz')) ?? DEFAULT_CAPTURE_OPTIONS.hz,
    seconds: typedNumber(text(values, 'seconds')) ?? DEFAULT_CAPTURE_OPTIONS.seconds,
    target: targetFrom(values),
    strict: flag(values, 'strict'),
    ...(kernelSymbols !== undefined ? { kernelSymbols } : {}),
    redactPatterns: texts(values, 'redact-pattern'),
    ...(title !== undefined ? { title } : {}),
  });
}

/** The privilege review first: a blocker refuses the capture (exit 2), like `check`. */
async function reviewPrivileges(ctx: CommandContext, session: Session, commandStarted: number): Promise<void> {
  const connectedMs = Date.now() - commandStarted;
  const report = await session.check();
  if (flag(ctx.values, 'verbose')) err(`timing: connected ${connectedMs} ms, privilege check done ${Date.now() - commandStarted} ms after the command started`);
  for (const w of report.warnings.filter((w) => w.severity === 'blocker' || w.severity === 'critical')) err(`[${w.severity}] ${w.id}: ${w.title}`);
  const dest = ctx.positionals[0] ?? '';
  if (report.hasBlocker) throw new EmberError('BLOCKER', `A blocker warning stops the capture on ${session.info.hostLabel}: run emberscope check ${dest} for the evidence and the fix.`);
  if (!report.setupInstalled) throw new EmberError('SETUP_MISSING', `The sampler is not installed on ${session.info.hostLabel}: run emberscope setup ${dest} first.`);
}

/** Waits for the end; the first Ctrl-C (or SIGTERM) stops and saves, the second cancels. */
async function untilDone(handle: CaptureHandle): Promise<CaptureResult> {
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      err('\nstopping (Ctrl-C again cancels without saving)…');
      void handle.stop().catch(() => undefined);
    } else {
      void handle.cancel();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await handle.done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function writeExports(ctx: CommandContext, captureId: string, options: CaptureOptions, redaction: RedactionPreset): Promise<void> {
  for (const [file, format] of [
    [text(ctx.values, 'output'), 'pprof'],
    [text(ctx.values, 'folded'), 'folded'],
  ] as const) {
    if (file === undefined) continue;
    const exported = await ctx.services().export(captureId, { format, redaction, patterns: options.redactPatterns ?? [], hashKey: hashKeyFrom(ctx.values) });
    await writeFile(file, exported.bytes, { mode: 0o600 });
    err(`wrote ${file} (${format}, redaction ${redaction}: ${exported.redactionSummary})`);
  }
}

async function runCapture(ctx: CommandContext): Promise<number> {
  if (text(ctx.values, 'output') === undefined && text(ctx.values, 'folded') === undefined) throw new EmberError('BAD_OPTIONS', 'capture needs -o FILE.pb.gz (and/or --folded FILE).');
  const options = captureOptionsFrom(ctx.values);
  const redaction = redactionFrom(ctx.values);
  const commandStarted = Date.now();
  const session = await connectTo(ctx);
  try {
    await reviewPrivileges(ctx, session, commandStarted);
    const started = Date.now();
    let firstDeltaMs = 0;
    let lastLine = 0;
    const handle = await ctx.services().capture.start(session, options, (p) => {
      if (firstDeltaMs === 0) firstDeltaMs = Date.now() - commandStarted;
      if (Date.now() - lastLine < 900) return;
      lastLine = Date.now();
      process.stderr.write(`\rcapturing on ${session.info.hostLabel}: ${p.samples} samples, ${p.lost} lost, ${Math.round(p.elapsedMs / 1000)} s   `);
    });
    if (flag(ctx.values, 'verbose')) err(`timing: capture started ${Date.now() - commandStarted} ms after the command started`);
    err(`capture ${handle.id} started on ${session.info.hostLabel} in ${Date.now() - started} ms${options.seconds ? ` for ${options.seconds} s` : '; Ctrl-C stops it'}`);
    const result = await untilDone(handle);
    process.stderr.write('\n');
    const s = result.summary;
    if (firstDeltaMs > 0) err(`first samples ${firstDeltaMs} ms after the command started`);
    err(`capture ${s.id}: ${s.samples} samples, ${s.lost} lost, ${(s.durationMs / 1000).toFixed(1)} s${s.interrupted ? ', INTERRUPTED' : ''}; saved in the library`);
    const overflow = describeOverflow(handle.profile().meta.overflow);
    if (overflow) err(overflow);
    if (s.symbolSources) err(describeSymbolSources(s.symbolSources));
    if (flag(ctx.values, 'json')) printJson(s);
    await writeExports(ctx, s.id, options, redaction);
    if (result.error) {
      err(`emberscope: ${result.error.code}: ${result.error.message}`);
      return exitCodeFor(result.error.code);
    }
    return EXIT.OK;
  } finally {
    await session.close();
  }
}

export const CAPTURE_COMMAND: Command = {
  name: 'capture',
  args: [{ name: '<dest>', missing: 'a destination: an ssh_config alias, [user@]host[:port] or local' }],
  options: CAPTURE_OPTIONS,
  summary: 'capture CPU samples, save them in the library and write -o (pprof) and/or --folded',
  run: runCapture,
};
