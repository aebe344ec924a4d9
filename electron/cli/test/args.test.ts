import { describe, expect, it } from 'vitest';
import { EmberError } from '../../../core/errors';
import { captureOptionsFrom } from '../capture-command';
import { findCommand, parseCommandLine, synopsis, type OptionValues } from '../command-line';
import { COMMANDS, COMMON_OPTIONS, usageText } from '../commands';
import { redactionFrom } from '../common';
import { EXIT, exitCodeFor } from '../exit-codes';

/** The real table's parse of a command line: the command, its values and positionals. */
function parse(argv: readonly string[]): { name: string; values: OptionValues; positionals: readonly string[] } {
  const { command, rest } = findCommand(COMMANDS, argv);
  return { name: command.name, ...parseCommandLine(command, rest, COMMON_OPTIONS) };
}

const capture = (...args: string[]): OptionValues => parse(['capture', 'web', '-o', 'x.pb.gz', ...args]).values;

const failure = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof EmberError ? `${e.code}: ${e.message}` : 'raw';
  }
};

describe('CLI command table', () => {
  it('parses long, short, attached and repeated options and positionals', () => {
    const a = parse(['capture', 'web', '--seconds=5', '--hz', '49', '-p2222', '-i', '/k', '--redact-pattern', 'a', '--redact-pattern=b', '-o', 'x.pb.gz']);
    expect(a.name).toBe('capture');
    expect(a.positionals).toEqual(['web']);
    expect(a.values['port']).toBe('2222');
    expect(a.values['redact-pattern']).toEqual(['a', 'b']);
    expect(captureOptionsFrom(a.values)).toMatchObject({ hz: 49, seconds: 5, target: { kind: 'all' }, strict: false, redactPatterns: ['a', 'b'] });
    expect(parse(['import', '--', '--odd']).positionals).toEqual(['--odd']);
    expect(parse(['library', 'export', 'c-1', '-o', 'f.folded']).name).toBe('library export');
    expect(parse(['known-hosts', 'list']).positionals).toEqual([]);
  });

  it('targets: pid, comm, cgroup, and only one of them', () => {
    expect(captureOptionsFrom(capture('--pid', '42')).target).toEqual({ kind: 'pid', pid: 42 });
    expect(captureOptionsFrom(capture('--comm', 'nginx')).target).toEqual({ kind: 'comm', name: 'nginx' });
    expect(captureOptionsFrom(capture('--comm', 'a-long-executable-name')).target).toEqual({ kind: 'comm', name: 'a-long-executable-name' });
    expect(captureOptionsFrom(capture('--cgroup', '/system.slice/x.service')).target).toEqual({ kind: 'cgroup', path: '/system.slice/x.service' });
    expect(failure(() => capture('--pid', '1', '--comm', 'x'))).toBe('BAD_OPTIONS: --pid, --comm and --cgroup exclude each other: give one.');
    expect(failure(() => captureOptionsFrom(capture('--cgroup', '/a/../b')))).toMatch(/^BAD_OPTIONS: the cgroup/);
  });

  it('kernel symbols: asked, refused, or what the host granted', () => {
    expect(captureOptionsFrom(capture('--kernel-symbols')).kernelSymbols).toBe(true);
    expect(captureOptionsFrom(capture('--no-kernel-symbols')).kernelSymbols).toBe(false);
    expect('kernelSymbols' in captureOptionsFrom(capture())).toBe(false);
    expect(failure(() => capture('--kernel-symbols', '--no-kernel-symbols'))).toMatch(/^BAD_OPTIONS: --kernel-symbols and --no-kernel-symbols exclude each other/);
  });

  it('refuses bad values with BAD_OPTIONS', () => {
    for (const args of [['--hz', '0'], ['--hz', '10001'], ['--hz', 'x'], ['--seconds', '-1'], ['--seconds=-1'], ['--seconds', '604801'], ['--pid', '0'], ['--redact-pattern', '(']]) {
      expect(failure(() => captureOptionsFrom(capture(...args))), args.join(' ')).toMatch(/^BAD_OPTIONS: /);
    }
    expect(captureOptionsFrom(capture('--seconds', '86400')).seconds).toBe(86_400);
    expect(failure(() => parse(['capture', 'web', '--nope']))).toMatch(/^BAD_OPTIONS: .*--nope/);
    expect(failure(() => parse(['capture', 'web', '--hz']))).toMatch(/^BAD_OPTIONS: .*--hz/);
    expect(failure(() => parse(['capture', 'web', '--strict=1']))).toMatch(/^BAD_OPTIONS: .*--strict/);
    expect(failure(() => parse(['capture', 'web', '--hz', '1', '--hz', '2']))).toBe('BAD_OPTIONS: --hz given twice');
    expect(failure(() => parse(['setup', 'web', '-yx']))).toMatch(/^BAD_OPTIONS: .*-x/);
    expect(failure(() => redactionFrom(capture('--redact', 'secret')))).toMatch(/^BAD_OPTIONS: --redact must be one of/);
    expect(redactionFrom(capture())).toBe('standard');
  });

  it('dispatches through the table and names what is missing', () => {
    expect(failure(() => parse(['nope']))).toBe('BAD_OPTIONS: unknown command "nope"; try emberscope --help');
    expect(failure(() => parse(['check']))).toBe('BAD_OPTIONS: check needs a destination: an ssh_config alias, [user@]host[:port] or local.');
    expect(failure(() => parse(['check', 'a', 'b']))).toBe('BAD_OPTIONS: unexpected argument "b"');
    expect(failure(() => parse(['library', 'nope']))).toMatch(/^BAD_OPTIONS: usage: emberscope library list .*\| emberscope library export ID .*\| emberscope library remove ID$/);
    expect(failure(() => parse(['known-hosts', 'remove']))).toBe('BAD_OPTIONS: known-hosts remove needs a host.');
    expect(parse(['check', '--help']).values['help']).toBe(true);
  });

  it('the usage lists every command and every option of the table', () => {
    const text = usageText();
    const flat = text.replace(/\s+/g, ' ');
    for (const c of COMMANDS) {
      expect(flat).toContain(synopsis(c));
      for (const name of Object.keys({ ...COMMON_OPTIONS, ...c.options })) expect(text, `${c.name} --${name}`).toMatch(new RegExp(`--${name}\\b`));
    }
    expect(flat).toMatch(/capture <dest> .*\[--kernel-symbols \| --no-kernel-symbols\]/);
  });

  it('maps error codes to distinct exit statuses', () => {
    const codes = ['HOST_UNREACHABLE', 'AUTH_FAILED', 'HOST_KEY_CHANGED', 'HOST_KEY_UNKNOWN', 'SETUP_MISSING', 'BLOCKER', 'BAD_OPTIONS'] as const;
    const exits = codes.map(exitCodeFor);
    expect(new Set(exits).size).toBe(codes.length);
    expect(exits.every((e) => e !== EXIT.OK && e !== EXIT.FAILURE)).toBe(true);
    expect(exitCodeFor('BLOCKER')).toBe(2);
  });
});
