// The table of `emberscope` commands: what each takes and does. The usage, the parsing and the
// dispatch (./command-line.ts, ./main.ts) all read it.
import { readFile, writeFile } from 'node:fs/promises';
import { EmberError } from '../../core/errors';
import { startBrowserMode } from '../browser/server';
import { CAPTURE_COMMAND } from './capture-command';
import { COMPARE_COMMAND } from './compare-command';
import { flag, text, texts, usage, wholeNumber, type Command, type CommandContext, type OptionDefs, type Positional } from './command-line';
import { confirmPlan, connectTo, err, hashKeyFrom, printJson, redactionFrom } from './common';
import { EXIT } from './exit-codes';

/** Options every command takes. */
export const COMMON_OPTIONS: OptionDefs = {
  port: { type: 'string', short: 'p', value: 'PORT' },
  identity: { type: 'string', short: 'i', value: 'IDENTITY' },
  'ssh-config': { type: 'string', short: 'F', value: 'SSH_CONFIG' },
  'known-hosts': { type: 'string', value: 'FILE' },
  'accept-new-host-key': { type: 'boolean' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string', value: 'DIR' },
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean', short: 'v' },
};

const DEST: Positional = { name: '<dest>', missing: 'a destination: an ssh_config alias, [user@]host[:port] or local' };
const YES: OptionDefs = { yes: { type: 'boolean', short: 'y' } };

const NOTES = ['<dest>: an ssh_config alias, [user@]host[:port], or local.'];

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function hosts(ctx: CommandContext): Promise<number> {
  const list = await ctx.services().hosts.list();
  if (flag(ctx.values, 'json')) printJson(list);
  else for (const h of list) out(`${h.id}\t${h.label}\t${h.user ? `${h.user}@` : ''}${h.hostName || '-'}${h.port ? `:${h.port}` : ''}${h.proxyJump ? `\tvia ${h.proxyJump}` : ''}`);
  return EXIT.OK;
}

async function check(ctx: CommandContext): Promise<number> {
  const session = await connectTo(ctx);
  try {
    const report = await session.check();
    if (flag(ctx.values, 'json')) printJson(report);
    else {
      out(`${session.info.hostLabel}: kernel ${report.kernel}, user ${report.user}, setup ${report.setupInstalled ? `installed (${report.samplerPath})` : 'not installed'}`);
      out(`capabilities a capture uses: ${report.capabilities.join(', ')}`);
      if (report.warnings.length === 0) out('no warnings');
      for (const w of report.warnings) out(`[${w.severity}] ${w.id}: ${w.title}\n  evidence: ${w.evidence.replace(/\n/g, '; ')}\n  why: ${w.why}\n  fix: ${w.remediation}`);
    }
    return report.hasBlocker ? EXIT.BLOCKER : EXIT.OK;
  } finally {
    await session.close();
  }
}

async function setup(ctx: CommandContext): Promise<number> {
  const session = await connectTo(ctx);
  try {
    const options = { kernelSymbols: flag(ctx.values, 'kernel-symbols'), allowSysAdmin: flag(ctx.values, 'allow-sys-admin') };
    if (!(await confirmPlan(ctx.values, 'Setup', await session.setupPlan(options)))) {
      err('setup: nothing was changed.');
      return EXIT.FAILURE;
    }
    const result = await session.runSetup(options, (p) => err(`[${p.step}/${p.total}] ${p.message}`));
    if (flag(ctx.values, 'json')) printJson(result);
    else for (const line of result.report) out(line);
    if (!result.ok) {
      err('setup: verification FAILED (see above).');
      return EXIT.FAILURE;
    }
    err('setup: done and verified.');
    return EXIT.OK;
  } finally {
    await session.close();
  }
}

async function uninstall(ctx: CommandContext): Promise<number> {
  const session = await connectTo(ctx);
  try {
    if (!(await confirmPlan(ctx.values, 'Uninstall', await session.uninstallPlan()))) {
      err('uninstall: nothing was changed.');
      return EXIT.FAILURE;
    }
    const result = await session.uninstall((p) => err(`[${p.step}/${p.total}] ${p.message}`));
    for (const line of result.report) out(line);
    return result.ok ? EXIT.OK : EXIT.FAILURE;
  } finally {
    await session.close();
  }
}

const portOf = (ctx: CommandContext): number => wholeNumber(ctx.values, 'port', 1, 65535) ?? 22;

async function knownHostsList(ctx: CommandContext): Promise<number> {
  const entries = await ctx.services().knownHosts.list(ctx.positionals[0], portOf(ctx));
  if (flag(ctx.values, 'json')) printJson(entries);
  else for (const e of entries) out(`${e.marker ? `${e.marker} ` : ''}${e.hosts} ${e.keyType} ${e.fingerprint}\t${e.file}:${e.line}`);
  return EXIT.OK;
}

async function knownHostsRemove(ctx: CommandContext): Promise<number> {
  const host = ctx.positionals[0] ?? '';
  const port = portOf(ctx);
  const n = await ctx.services().knownHosts.remove(host, port);
  const where = `${host}${port !== 22 ? `:${port}` : ''}`;
  err(n === 0 ? `no key for ${where} in ${ctx.knownHostsFile}` : `removed ${n} key(s) of ${where} from ${ctx.knownHostsFile}`);
  return n === 0 ? EXIT.NOT_FOUND : EXIT.OK;
}

async function libraryList(ctx: CommandContext): Promise<number> {
  const listing = await ctx.services().library.list();
  for (const d of listing.damaged) err(`damaged library entry ${d.id}: ${d.reason} (skipped)`);
  if (flag(ctx.values, 'json')) printJson(listing.captures);
  else for (const c of listing.captures) out(`${c.id}\t${c.title}\t${c.samples} samples${c.interrupted ? '\tinterrupted' : ''}`);
  return EXIT.OK;
}

async function libraryExport(ctx: CommandContext): Promise<number> {
  const id = ctx.positionals[0] ?? '';
  const output = text(ctx.values, 'output');
  if (output === undefined) throw new EmberError('BAD_OPTIONS', 'library export needs -o FILE.');
  const format = text(ctx.values, 'format') ?? (output.endsWith('.pb.gz') || output.endsWith('.pb') ? 'pprof' : 'folded');
  if (format !== 'pprof' && format !== 'folded') throw new EmberError('BAD_OPTIONS', '--format must be pprof or folded.');
  const exported = await ctx.services().export(id, { format, redaction: redactionFrom(ctx.values), patterns: texts(ctx.values, 'redact-pattern'), hashKey: hashKeyFrom(ctx.values) });
  await writeFile(output, exported.bytes, { mode: 0o600 });
  err(`wrote ${output} (${exported.redactionSummary})`);
  return EXIT.OK;
}

async function libraryRemove(ctx: CommandContext): Promise<number> {
  await ctx.services().library.remove(ctx.positionals[0] ?? '');
  return EXIT.OK;
}

async function importFile(ctx: CommandContext): Promise<number> {
  const file = ctx.positionals[0] ?? '';
  const bytes = await readFile(file).catch(() => {
    throw new EmberError('NOT_FOUND', `Cannot read ${file}.`);
  });
  const s = await ctx.services().library.import(bytes, file.split('/').pop() ?? file);
  out(s.id);
  return EXIT.OK;
}

async function ui(ctx: CommandContext): Promise<number> {
  const port = wholeNumber(ctx.values, 'ui-port', 1, 65535);
  const dataDir = text(ctx.values, 'data-dir');
  const mode = await startBrowserMode({ open: !flag(ctx.values, 'no-open'), version: ctx.version, ...(port !== undefined ? { port } : {}), ...(dataDir !== undefined ? { dataDir } : {}) });
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await mode.close();
  return EXIT.OK;
}

async function version(ctx: CommandContext): Promise<number> {
  out(`emberscope ${ctx.version}`);
  return EXIT.OK;
}

async function help(): Promise<number> {
  out(usageText());
  return EXIT.OK;
}

export const COMMANDS: readonly Command[] = [
  { name: 'hosts', summary: 'list hosts (This machine, ~/.ssh/config, added in the app)', run: hosts },
  { name: 'check', args: [DEST], summary: 'posture and privilege warnings (exit 2 on a blocker)', run: check },
  {
    name: 'setup',
    args: [DEST],
    options: { 'kernel-symbols': { type: 'boolean' }, 'allow-sys-admin': { type: 'boolean' }, ...YES },
    summary: 'one-time: shows the exact root commands, then installs the sampler (--yes: without asking)',
    run: setup,
  },
  CAPTURE_COMMAND,
  { name: 'uninstall', args: [DEST], options: YES, summary: 'removes what setup installed (commands shown first)', run: uninstall },
  { name: 'known-hosts list', args: [{ name: '[HOST]' }], summary: "host keys in the app's known_hosts (of HOST, -p PORT)", run: knownHostsList },
  { name: 'known-hosts remove', args: [{ name: 'HOST', missing: 'a host' }], summary: "removes HOST's keys (-p PORT) from the app's known_hosts", run: knownHostsRemove },
  { name: 'library list', summary: 'the captures in the library', run: libraryList },
  {
    name: 'library export',
    args: [{ name: 'ID', missing: 'a capture id' }],
    options: {
      output: { type: 'string', short: 'o', value: 'FILE' },
      format: { type: 'string', value: 'pprof|folded' },
      redact: { type: 'string', value: 'none|paths|standard|strict|all' },
      'redact-pattern': { type: 'string', value: 'REGEX', multiple: true },
      'team-key': { type: 'boolean' },
    },
    summary: 'writes a capture as pprof or folded stacks, redacted (default standard)',
    run: libraryExport,
  },
  { name: 'library remove', args: [{ name: 'ID', missing: 'a capture id' }], summary: 'removes a capture from the library', run: libraryRemove },
  { name: 'import', args: [{ name: 'FILE', missing: 'a file' }], summary: 'adds a pprof or folded file to the library', run: importFile },
  COMPARE_COMMAND,
  { name: 'ui', options: { 'ui-port': { type: 'string', value: 'N' }, 'no-open': { type: 'boolean' } }, summary: 'the console in a browser (loopback only)', run: ui },
  { name: 'version', summary: 'prints the version (also --version)', run: version },
  { name: 'help', summary: 'this text (also --help, -h)', run: help },
];

export function usageText(): string {
  return usage(COMMANDS, COMMON_OPTIONS, NOTES);
}
