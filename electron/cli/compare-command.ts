// `emberscope compare BASE TARGET`: the biggest regressions and improvements by self and total
// between two profiles (files or library ids), normalized as `go tool pprof -normalize` does;
// -o writes the diff as pprof in -diff_base form.
import { writeFile } from 'node:fs/promises';
import { comparisonTable, diffProfiles, type ComparisonTable, type FunctionDiff } from '../../core/profile';
import { flag, text, texts, wholeNumber, type Command, type CommandContext } from './command-line';
import { err, printJson, redactionFrom } from './common';
import { EXIT } from './exit-codes';
import { exportComparison, loadProfileArg, redactPair } from '../services/compare';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const signed = (n: number, digits = 1): string => `${n > 0 ? '+' : n < 0 ? '-' : ''}${Math.abs(n).toFixed(digits)}`;

function rows(title: string, list: readonly FunctionDiff[], by: 'self' | 'total'): void {
  out(`\n${title}`);
  if (list.length === 0) {
    out('  (none)');
    return;
  }
  out(`  ${'delta'.padStart(10)} ${'share'.padStart(9)} ${'base'.padStart(9)} ${'target'.padStart(9)}  function`);
  for (const f of list) {
    const delta = by === 'self' ? f.selfDelta : f.totalDelta;
    const share = by === 'self' ? f.selfShareDelta : f.totalShareDelta;
    const b = by === 'self' ? f.baseSelf : f.baseTotal;
    const t = by === 'self' ? f.targetSelf : f.targetTotal;
    out(`  ${signed(delta).padStart(10)} ${`${signed(100 * share, 2)}%`.padStart(9)} ${String(b).padStart(9)} ${String(t).padStart(9)}  ${f.name}`);
  }
}

function print(table: ComparisonTable, baseLabel: string, targetLabel: string): void {
  out(`base:   ${baseLabel} (${table.baseSamples} samples)`);
  out(`target: ${targetLabel} (${table.targetSamples} samples)`);
  out(table.normalization);
  out('delta: target × scale − base, in base samples; share: change of the share of all samples, in percentage points; base/target: raw samples.');
  rows('Regressions by self (flat)', table.bySelf.regressions, 'self');
  rows('Improvements by self (flat)', table.bySelf.improvements, 'self');
  rows('Regressions by total (cum)', table.byTotal.regressions, 'total');
  rows('Improvements by total (cum)', table.byTotal.improvements, 'total');
}

async function compare(ctx: CommandContext): Promise<number> {
  const [baseArg = '', targetArg = ''] = ctx.positionals;
  const limit = wholeNumber(ctx.values, 'top', 1, 100_000) ?? 10;
  const library = (): ReturnType<CommandContext['services']>['library'] => ctx.services().library;
  const base = await loadProfileArg(baseArg, library);
  const target = await loadProfileArg(targetArg, library);
  const patterns = texts(ctx.values, 'redact-pattern');
  // The table is for this terminal: unredacted unless --redact asks; the -o file follows export's default (standard).
  const shown = redactPair(base.profile, target.profile, { redaction: redactionFrom(ctx.values, 'none'), patterns });
  const table = comparisonTable(diffProfiles(shown.base, shown.target), limit);
  if (flag(ctx.values, 'json')) printJson({ base: { label: base.label, id: base.summary?.id ?? null }, target: { label: target.label, id: target.summary?.id ?? null }, redaction: shown.summary, ...table });
  else print(table, base.label, target.label);
  const output = text(ctx.values, 'output');
  if (output !== undefined) {
    const file = exportComparison(base.profile, target.profile, 'comparison', { format: 'pprof', redaction: redactionFrom(ctx.values), patterns });
    await writeFile(output, file.bytes, { mode: 0o600 });
    err(`wrote ${output} (${file.redactionSummary}); read it with go tool pprof -top ${output}`);
  }
  return EXIT.OK;
}

export const COMPARE_COMMAND: Command = {
  name: 'compare',
  args: [
    { name: 'BASE', missing: 'a base: a pprof or folded file, or a capture id' },
    { name: 'TARGET', missing: 'a target: a pprof or folded file, or a capture id' },
  ],
  options: {
    top: { type: 'string', value: 'N' },
    output: { type: 'string', short: 'o', value: 'DIFF.pb.gz' },
    redact: { type: 'string', value: 'none|paths|standard|strict|all' },
    'redact-pattern': { type: 'string', value: 'REGEX', multiple: true },
  },
  summary: 'biggest regressions and improvements by self and total, normalized as go tool pprof -normalize (-o: the diff as pprof)',
  run: compare,
};
