// `emberscope`: the command-line tool over the same services as the app. The commands, their
// options and the usage are one table (./commands.ts); `emberscope --help` prints it.
// Progress goes to stderr, data to files or stdout. Errors are one line, with distinct exits.
import { join } from 'node:path';
import { homedir } from 'node:os';
import { describeError, isEmberError } from '../../core/errors';
import { createServices } from '../services/index';
import { defaultDataDir } from '../services/paths';
import type { Services } from '../services/types';
import { findCommand, flag, parseCommandLine, text, type CommandContext, type OptionValues } from './command-line';
import { COMMANDS, COMMON_OPTIONS, usageText } from './commands';
import { err } from './common';
import { EXIT, exitCodeFor } from './exit-codes';

import { EMBERSCOPE_VERSION as VERSION } from '../../core/version';

const ALIASES: Readonly<Record<string, string>> = { '--help': 'help', '-h': 'help', '--version': 'version' };

/** The app's own known_hosts: --known-hosts FILE (the only one read and written, like UserKnownHostsFile), else the data dir's. */
function knownHostsFile(values: OptionValues): string {
  return text(values, 'known-hosts') ?? join(defaultDataDir(text(values, 'data-dir')), 'known_hosts');
}

function servicesFor(values: OptionValues): Services {
  const dataDir = text(values, 'data-dir');
  const sshConfig = text(values, 'ssh-config');
  return createServices({
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(sshConfig !== undefined ? { sshConfigPath: sshConfig } : {}),
    appKnownHosts: knownHostsFile(values),
    userKnownHosts: text(values, 'known-hosts') !== undefined ? [] : [join(homedir(), '.ssh', 'known_hosts')],
    ...(process.env['EMBERSCOPE_NODE_SEARCH_PATH'] !== undefined ? { nodeSearchPath: process.env['EMBERSCOPE_NODE_SEARCH_PATH'] } : {}),
    log: flag(values, 'verbose') ? err : () => undefined,
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0) {
    process.stdout.write(`${usageText()}\n`);
    return EXIT.BAD_OPTIONS;
  }
  const [first = '', ...others] = argv;
  const { command, rest } = findCommand(COMMANDS, [ALIASES[first] ?? first, ...others]);
  const { values, positionals } = parseCommandLine(command, rest, COMMON_OPTIONS);
  if (flag(values, 'help')) {
    process.stdout.write(`${usageText()}\n`);
    return EXIT.OK;
  }
  let services: Services | undefined;
  const ctx: CommandContext = {
    values,
    positionals,
    version: VERSION,
    knownHostsFile: knownHostsFile(values),
    services: () => (services ??= servicesFor(values)),
  };
  try {
    return await command.run(ctx);
  } finally {
    await services?.close();
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
