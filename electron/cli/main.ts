// `emberscope`: the command-line tool over the same services as the app.
//
//   emberscope hosts [--json]
//   emberscope check <dest> [--json]                 exit 2 on a blocker
//   emberscope setup <dest> [--kernel-symbols] [--allow-sys-admin] [--yes]
//   emberscope capture <dest> [--seconds N] [--hz N] [--pid P | --comm NAME | --cgroup PATH]
//                      [--strict] [--redact PRESET] [--redact-pattern REGEX]... -o FILE.pb.gz [--folded FILE]
//   emberscope uninstall <dest> [--yes]
//   emberscope known-hosts list [HOST] | remove HOST        (-p PORT)
//   emberscope library list [--json] | export ID -o FILE [--format pprof|folded] [--redact P] | remove ID
//   emberscope import FILE
//   emberscope ui [--port N] [--no-open]
//
// Progress goes to stderr, data to files or stdout. Errors are one line, with distinct exits.
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { EmberError, describeError, isEmberError } from '../../core/errors';
import { isPreset } from '../../core/redaction';
import { describeOverflow } from '../../core/profile';
import { startBrowserMode } from '../browser/server';
import { createServices, type ServicesInternals } from '../services/index';
import type { CaptureOptions, CaptureTarget, ConnectOptions, RedactionPreset, Session } from '../services/types';
import { flag, int, list, parseArgs, str, type OptionSpecs, type ParsedArgs } from './args';
import { EXIT, exitCodeFor } from './exit-codes';
import { cliPrompts, confirm, haveTerminal } from './prompts';

import { EMBERSCOPE_VERSION as VERSION } from '../../core/version';

const COMMON: OptionSpecs = {
  port: { value: true, short: 'p' },
  identity: { value: true, short: 'i' },
  'ssh-config': { value: true, short: 'F' },
  'known-hosts': { value: true },
  'accept-new-host-key': {},
  json: {},
  'data-dir': { value: true },
  help: { short: 'h' },
  verbose: { short: 'v' },
};

const COMMANDS: Readonly<Record<string, OptionSpecs>> = {
  hosts: {},
  check: {},
  setup: { 'kernel-symbols': {}, 'allow-sys-admin': {}, yes: { short: 'y' } },
  uninstall: { yes: { short: 'y' } },
  capture: {
    seconds: { value: true },
    hz: { value: true },
    pid: { value: true },
    comm: { value: true },
    cgroup: { value: true },
    strict: {},
    'kernel-symbols': {},
    redact: { value: true },
    'redact-pattern': { value: true, repeat: true },
    output: { value: true, short: 'o' },
    folded: { value: true },
    title: { value: true },
    'team-key': {},
  },
  'known-hosts': {},
  library: { output: { value: true, short: 'o' }, format: { value: true }, redact: { value: true }, 'redact-pattern': { value: true, repeat: true }, 'team-key': {} },
  import: {},
  ui: { 'ui-port': { value: true }, 'no-open': {} },
  version: {},
};

const USAGE = `usage: emberscope <command> [options]
  hosts [--json]                                   list hosts (This machine, ~/.ssh/config, added in the app)
  check <dest> [--json]                            posture and privilege warnings (exit 2 on a blocker)
  setup <dest> [--kernel-symbols] [--allow-sys-admin] [--yes]
  capture <dest> [--seconds N] [--hz N] [--pid P | --comm NAME | --cgroup PATH] [--strict]
          [--redact none|paths|standard|strict|all] [--redact-pattern REGEX]... [--team-key] -o FILE.pb.gz [--folded FILE]
  uninstall <dest> [--yes]
  known-hosts list [HOST] | known-hosts remove HOST          [-p PORT]
  library list [--json] | library export ID -o FILE [--format pprof|folded] [--redact P] | library remove ID
  import FILE                                      add a pprof or folded file to the library
  ui [--ui-port N] [--no-open]                     the console in a browser (loopback only)
<dest>: an ssh_config alias, [user@]host[:port], or local.
common: -p PORT, -i IDENTITY, -F SSH_CONFIG, --known-hosts FILE, --accept-new-host-key, --json, --data-dir DIR`;

const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function servicesFor(args: ParsedArgs, verbose: boolean): ServicesInternals {
  const knownHosts = str(args, 'known-hosts');
  const sshConfig = str(args, 'ssh-config');
  const dataDir = str(args, 'data-dir');
  return createServices({
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(sshConfig !== undefined ? { sshConfigPath: sshConfig } : {}),
    // --known-hosts FILE: the only known_hosts file read and written (like UserKnownHostsFile).
    ...(knownHosts !== undefined ? { appKnownHosts: knownHosts, userKnownHosts: [] } : { userKnownHosts: [join(homedir(), '.ssh', 'known_hosts')] }),
    ...(process.env['EMBERSCOPE_NODE_SEARCH_PATH'] !== undefined ? { nodeSearchPath: process.env['EMBERSCOPE_NODE_SEARCH_PATH'] } : {}),
    log: verbose ? (line) => err(line) : () => undefined,
  });
}

function connectOptions(args: ParsedArgs): ConnectOptions {
  const port = int(args, 'port', 1, 65535);
  const identity = str(args, 'identity');
  return {
    ...(port !== undefined ? { port } : {}),
    ...(identity !== undefined ? { identityFile: identity } : {}),
    unknownHostKey: flag(args, 'accept-new-host-key') ? 'accept-new' : haveTerminal() ? 'ask' : 'refuse',
  };
}

function needDest(args: ParsedArgs, command: string): string {
  const dest = args.positionals[1];
  if (dest === undefined) throw new EmberError('BAD_OPTIONS', `${command} needs a destination: an ssh_config alias, [user@]host[:port] or local.`);
  if (args.positionals.length > 2) throw new EmberError('BAD_OPTIONS', `unexpected argument ${JSON.stringify(args.positionals[2]?.slice(0, 40))}`);
  return dest;
}

async function connect(services: ServicesInternals, args: ParsedArgs, dest: string): Promise<Session> {
  const session = await services.connect(dest, cliPrompts(), connectOptions(args));
  session.onUpload((p) => {
    if (p.total > 0) process.stderr.write(`\ruploading ${p.file}: ${Math.round((100 * p.transferred) / p.total)}% of ${(p.total / 1048576).toFixed(1)} MiB${p.transferred >= p.total ? '\n' : ''}`);
  });
  return session;
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function captureOptionsFrom(args: ParsedArgs): CaptureOptions {
  const targets = ['pid', 'comm', 'cgroup'].filter((t) => flag(args, t));
  if (targets.length > 1) throw new EmberError('BAD_OPTIONS', '--pid, --comm and --cgroup exclude each other: give one.');
  let target: CaptureTarget = { kind: 'all' };
  const pid = int(args, 'pid', 1, 2 ** 22);
  if (pid !== undefined) target = { kind: 'pid', pid };
  const comm = str(args, 'comm');
  if (comm !== undefined) {
    if (comm === '' || comm.length > 255) throw new EmberError('BAD_OPTIONS', '--comm needs a process name.');
    target = { kind: 'comm', name: comm };
  }
  const cgroup = str(args, 'cgroup');
  if (cgroup !== undefined) {
    if (cgroup === '' || cgroup.split('/').includes('..')) throw new EmberError('BAD_OPTIONS', '--cgroup needs a cgroup v2 path.');
    target = { kind: 'cgroup', path: cgroup };
  }
  const patterns = list(args, 'redact-pattern');
  for (const p of patterns) {
    try {
      new RegExp(p);
    } catch {
      throw new EmberError('BAD_OPTIONS', `--redact-pattern ${JSON.stringify(p.slice(0, 60))} is not a valid regular expression.`);
    }
  }
  const title = str(args, 'title');
  return {
    hz: int(args, 'hz', 1, 10_000) ?? 99,
    seconds: int(args, 'seconds', 0, 7 * 24 * 3600) ?? 0,
    target,
    strict: flag(args, 'strict'),
    kernelSymbols: flag(args, 'kernel-symbols'),
    redactPatterns: patterns,
    ...(title !== undefined ? { title } : {}),
  };
}

export function redactionFrom(args: ParsedArgs, fallback: RedactionPreset = 'standard'): RedactionPreset {
  const r = str(args, 'redact') ?? fallback;
  if (!isPreset(r)) throw new EmberError('BAD_OPTIONS', `--redact must be one of none, paths, standard, strict, all (not ${JSON.stringify(r.slice(0, 30))}).`);
  return r;
}

async function cmdHosts(services: ServicesInternals, args: ParsedArgs): Promise<number> {
  const hosts = await services.hosts.list();
  if (flag(args, 'json')) printJson(hosts);
  else for (const h of hosts) process.stdout.write(`${h.id}\t${h.label}\t${h.user ? `${h.user}@` : ''}${h.hostName || '-'}${h.port ? `:${h.port}` : ''}${h.proxyJump ? `\tvia ${h.proxyJump}` : ''}\n`);
  return EXIT.OK;
}

async function cmdCheck(services: ServicesInternals, args: ParsedArgs): Promise<number> {
  const session = await connect(services, args, needDest(args, 'check'));
  try {
    const report = await session.check();
    if (flag(args, 'json')) printJson(report);
    else {
      process.stdout.write(`${session.info.hostLabel}: kernel ${report.kernel}, user ${report.user}, setup ${report.setupInstalled ? `installed (${report.samplerPath})` : 'not installed'}\n`);
      process.stdout.write(`capabilities a capture uses: ${report.capabilities.join(', ')}\n`);
      if (report.warnings.length === 0) process.stdout.write('no warnings\n');
      for (const w of report.warnings) {
        process.stdout.write(`[${w.severity}] ${w.id}: ${w.title}\n  evidence: ${w.evidence.replace(/\n/g, '; ')}\n  why: ${w.why}\n  fix: ${w.remediation}\n`);
      }
    }
    return report.hasBlocker ? EXIT.BLOCKER : EXIT.OK;
  } finally {
    await session.close();
  }
}

async function confirmPlan(args: ParsedArgs, what: string, commands: readonly string[], notes: readonly string[], via: string): Promise<boolean> {
  err(`${what} will run these commands as root (${via === 'root' ? 'connected as root' : via === 'sudo-n' ? 'through sudo -n' : 'through sudo -S, the password is asked'}):`);
  for (const c of commands) err(`  ${c}`);
  for (const n of notes) err(`note: ${n}`);
  if (flag(args, 'yes')) return true;
  if (!haveTerminal()) throw new EmberError('BAD_OPTIONS', `${what} needs --yes when there is no terminal to confirm on.`);
  return confirm('Run them?');
}

async function cmdSetup(services: ServicesInternals, args: ParsedArgs): Promise<number> {
  const session = await connect(services, args, needDest(args, 'setup'));
  try {
    const options = { kernelSymbols: flag(args, 'kernel-symbols'), allowSysAdmin: flag(args, 'allow-sys-admin') };
    const plan = await session.setupPlan(options);
    if (!(await confirmPlan(args, 'Setup', plan.commands, plan.notes, plan.via))) {
      err('setup: nothing was changed.');
      return EXIT.FAILURE;
    }
    const result = await session.runSetup(options, (p) => err(`[${p.step}/${p.total}] ${p.message}`));
    if (flag(args, 'json')) printJson(result);
    else for (const line of result.report) process.stdout.write(`${line}\n`);
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

async function cmdUninstall(services: ServicesInternals, args: ParsedArgs): Promise<number> {
  const session = await connect(services, args, needDest(args, 'uninstall'));
  try {
    const plan = await session.uninstallPlan();
    if (!(await confirmPlan(args, 'Uninstall', plan.commands, plan.notes, plan.via))) {
      err('uninstall: nothing was changed.');
      return EXIT.FAILURE;
    }
    const result = await session.uninstall((p) => err(`[${p.step}/${p.total}] ${p.message}`));
    for (const line of result.report) process.stdout.write(`${line}\n`);
    return result.ok ? EXIT.OK : EXIT.FAILURE;
  } finally {
    await session.close();
  }
}

async function cmdCapture(services: ServicesInternals, args: ParsedArgs): Promise<number> {
  const dest = needDest(args, 'capture');
  const output = str(args, 'output');
  const folded = str(args, 'folded');
  if (output === undefined && folded === undefined) throw new EmberError('BAD_OPTIONS', 'capture needs -o FILE.pb.gz (and/or --folded FILE).');
  const options = captureOptionsFrom(args);
  const redaction = redactionFrom(args);
  const commandStarted = Date.now();
  let firstDeltaMs = 0;
  const session = await connect(services, args, dest);
  let interrupts = 0;
  try {
    // The privilege review first: a blocker refuses the capture (exit 2), like `check`.
    const connectedMs = Date.now() - commandStarted;
    const report = await session.check();
    if (flag(args, 'verbose')) err(`timing: connected ${connectedMs} ms, privilege check done ${Date.now() - commandStarted} ms after the command started`);
    const serious = report.warnings.filter((w) => w.severity === 'blocker' || w.severity === 'critical');
    for (const w of serious) err(`[${w.severity}] ${w.id}: ${w.title}`);
    if (report.hasBlocker) throw new EmberError('BLOCKER', `A blocker warning stops the capture on ${session.info.hostLabel}: run emberscope check ${dest} for the evidence and the fix.`);
    if (!report.setupInstalled) throw new EmberError('SETUP_MISSING', `The sampler is not installed on ${session.info.hostLabel}: run emberscope setup ${dest} first.`);
    const started = Date.now();
    let lastLine = 0;
    const handle = await services.capture.start(session, options, (p) => {
      if (firstDeltaMs === 0) firstDeltaMs = Date.now() - commandStarted;
      if (Date.now() - lastLine < 900) return;
      lastLine = Date.now();
      process.stderr.write(`\rcapturing on ${session.info.hostLabel}: ${p.samples} samples, ${p.lost} lost, ${Math.round(p.elapsedMs / 1000)} s   `);
    });
    if (flag(args, 'verbose')) err(`timing: capture started ${Date.now() - commandStarted} ms after the command started`);
    err(`capture ${handle.id} started on ${session.info.hostLabel} in ${Date.now() - started} ms${options.seconds ? ` for ${options.seconds} s` : '; Ctrl-C stops it'}`);
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
    let result;
    try {
      result = await handle.done;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    process.stderr.write('\n');
    const s = result.summary;
    if (firstDeltaMs > 0) err(`first samples ${firstDeltaMs} ms after the command started`);
    err(`capture ${s.id}: ${s.samples} samples, ${s.lost} lost, ${(s.durationMs / 1000).toFixed(1)} s${s.interrupted ? ', INTERRUPTED' : ''}; saved in the library`);
    const overflow = describeOverflow(handle.profile().meta.overflow);
    if (overflow) err(overflow);
    for (const [file, format] of [
      [output, 'pprof'],
      [folded, 'folded'],
    ] as const) {
      if (file === undefined) continue;
      const exported = await services.export(s.id, { format, redaction, patterns: options.redactPatterns ?? [], hashKey: flag(args, 'team-key') ? 'team' : 'random' });
      await writeFile(file, exported.bytes, { mode: 0o600 });
      err(`wrote ${file} (${format}, redaction ${redaction}: ${exported.redactionSummary})`);
    }
    if (result.error) {
      err(`emberscope: ${result.error.code}: ${result.error.message}`);
      return exitCodeFor(result.error.code);
    }
    return EXIT.OK;
  } finally {
    await session.close();
  }
}

async function cmdKnownHosts(services: ServicesInternals, args: ParsedArgs): Promise<number> {
  const [, sub, host] = args.positionals;
  const port = int(args, 'port', 1, 65535) ?? 22;
  if (sub === 'list') {
    const entries = await services.knownHosts.list(host, port);
    if (flag(args, 'json')) printJson(entries);
    else for (const e of entries) process.stdout.write(`${e.marker ? `${e.marker} ` : ''}${e.hosts} ${e.keyType} ${e.fingerprint}\t${e.file}:${e.line}\n`);
    return EXIT.OK;
  }
  if (sub === 'remove' && host !== undefined) {
    const n = await services.knownHosts.remove(host, port);
    err(n === 0 ? `no key for ${host}${port !== 22 ? `:${port}` : ''} in ${services.knownHostsImpl.appFile}` : `removed ${n} key(s) of ${host}${port !== 22 ? `:${port}` : ''} from ${services.knownHostsImpl.appFile}`);
    return n === 0 ? EXIT.NOT_FOUND : EXIT.OK;
  }
  throw new EmberError('BAD_OPTIONS', 'usage: emberscope known-hosts list [HOST] | known-hosts remove HOST [-p PORT]');
}

async function cmdLibrary(services: ServicesInternals, args: ParsedArgs): Promise<number> {
  const [, sub, id] = args.positionals;
  if (sub === 'list') {
    const listing = await services.library.list();
    for (const d of listing.damaged) err(`damaged library entry ${d.id}: ${d.reason} (skipped)`);
    if (flag(args, 'json')) printJson(listing.captures);
    else for (const c of listing.captures) process.stdout.write(`${c.id}\t${c.title}\t${c.samples} samples${c.interrupted ? '\tinterrupted' : ''}\n`);
    return EXIT.OK;
  }
  if (sub === 'export' && id !== undefined) {
    const output = str(args, 'output');
    if (output === undefined) throw new EmberError('BAD_OPTIONS', 'library export needs -o FILE.');
    const format = str(args, 'format') ?? (output.endsWith('.pb.gz') || output.endsWith('.pb') ? 'pprof' : 'folded');
    if (format !== 'pprof' && format !== 'folded') throw new EmberError('BAD_OPTIONS', '--format must be pprof or folded.');
    const exported = await services.export(id, { format, redaction: redactionFrom(args), patterns: list(args, 'redact-pattern'), hashKey: flag(args, 'team-key') ? 'team' : 'random' });
    await writeFile(output, exported.bytes, { mode: 0o600 });
    err(`wrote ${output} (${exported.redactionSummary})`);
    return EXIT.OK;
  }
  if (sub === 'remove' && id !== undefined) {
    await services.library.remove(id);
    return EXIT.OK;
  }
  throw new EmberError('BAD_OPTIONS', 'usage: emberscope library list | library export ID -o FILE | library remove ID');
}

async function cmdImport(services: ServicesInternals, args: ParsedArgs): Promise<number> {
  const file = args.positionals[1];
  if (file === undefined) throw new EmberError('BAD_OPTIONS', 'import needs a file.');
  const bytes = await readFile(file).catch(() => {
    throw new EmberError('NOT_FOUND', `Cannot read ${file}.`);
  });
  const s = await services.library.import(bytes, file.split('/').pop() ?? file);
  process.stdout.write(`${s.id}\n`);
  return EXIT.OK;
}

async function cmdUi(args: ParsedArgs): Promise<number> {
  const port = int(args, 'ui-port', 1, 65535);
  const dataDir = str(args, 'data-dir');
  const mode = await startBrowserMode({ open: !flag(args, 'no-open'), version: VERSION, ...(port !== undefined ? { port } : {}), ...(dataDir !== undefined ? { dataDir } : {}) });
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await mode.close();
  return EXIT.OK;
}

export async function main(argv: readonly string[]): Promise<number> {
  const command = argv[0];
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? EXIT.BAD_OPTIONS : EXIT.OK;
  }
  if (command === '--version' || command === 'version') {
    process.stdout.write(`emberscope ${VERSION}\n`);
    return EXIT.OK;
  }
  const specs = COMMANDS[command];
  if (!specs) throw new EmberError('BAD_OPTIONS', `unknown command ${JSON.stringify(command.slice(0, 40))}; try emberscope --help`);
  const args = parseArgs(argv, { ...COMMON, ...specs });
  if (flag(args, 'help')) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.OK;
  }
  if (command === 'ui') return cmdUi(args);
  const services = servicesFor(args, flag(args, 'verbose'));
  try {
    switch (command) {
      case 'hosts':
        return await cmdHosts(services, args);
      case 'check':
        return await cmdCheck(services, args);
      case 'setup':
        return await cmdSetup(services, args);
      case 'uninstall':
        return await cmdUninstall(services, args);
      case 'capture':
        return await cmdCapture(services, args);
      case 'known-hosts':
        return await cmdKnownHosts(services, args);
      case 'library':
        return await cmdLibrary(services, args);
      case 'import':
        return await cmdImport(services, args);
      default:
        throw new EmberError('BAD_OPTIONS', `unknown command ${command}`);
    }
  } finally {
    await services.close();
  }
}

export function runCli(argv: readonly string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
      // Open handles (keychain D-Bus, SSH sockets) must not keep a finished CLI alive.
      setTimeout(() => process.exit(code), 200).unref();
    },
    (error: unknown) => {
      process.stderr.write(`emberscope: ${describeError(error)}\n`);
      const code = isEmberError(error) ? exitCodeFor(error.code) : EXIT.FAILURE;
      process.exitCode = code;
      setTimeout(() => process.exit(code), 200).unref();
    },
  );
}
