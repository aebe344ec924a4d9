import { describe, expect, it } from 'vitest';
import { EmberError } from '../../../core/errors';
import { parseArgs, type OptionSpecs } from '../args';
import { EXIT, exitCodeFor } from '../exit-codes';
import { captureOptionsFrom, redactionFrom } from '../main';

const SPECS: OptionSpecs = {
  port: { value: true, short: 'p' },
  identity: { value: true, short: 'i' },
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
  title: { value: true },
  yes: { short: 'y' },
};

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof EmberError ? e.code : 'raw';
  }
};

describe('CLI options', () => {
  it('parses long, short, attached and repeated options and positionals', () => {
    const a = parseArgs(['capture', 'web', '--seconds=5', '--hz', '49', '-p2222', '-i', '/k', '--redact-pattern', 'a', '--redact-pattern=b', '-o', 'x.pb.gz', '--', '--odd'], SPECS);
    expect(a.positionals).toEqual(['capture', 'web', '--odd']);
    expect(a.options.get('port')).toEqual(['2222']);
    expect(a.options.get('redact-pattern')).toEqual(['a', 'b']);
    const o = captureOptionsFrom(a);
    expect(o).toMatchObject({ hz: 49, seconds: 5, target: { kind: 'all' }, strict: false, redactPatterns: ['a', 'b'] });
  });

  it('targets: pid, comm, cgroup, and only one of them', () => {
    expect(captureOptionsFrom(parseArgs(['--pid', '42'], SPECS)).target).toEqual({ kind: 'pid', pid: 42 });
    expect(captureOptionsFrom(parseArgs(['--comm', 'nginx'], SPECS)).target).toEqual({ kind: 'comm', name: 'nginx' });
    expect(captureOptionsFrom(parseArgs(['--cgroup', '/system.slice/x.service'], SPECS)).target).toEqual({ kind: 'cgroup', path: '/system.slice/x.service' });
    expect(codeOf(() => captureOptionsFrom(parseArgs(['--pid', '1', '--comm', 'x'], SPECS)))).toBe('BAD_OPTIONS');
    expect(codeOf(() => captureOptionsFrom(parseArgs(['--cgroup', '/a/../b'], SPECS)))).toBe('BAD_OPTIONS');
  });

  it('refuses bad values with BAD_OPTIONS', () => {
    for (const argv of [['--hz', '0'], ['--hz', '10001'], ['--hz', 'x'], ['--seconds', '-1'], ['--pid', '0'], ['--redact-pattern', '(']]) {
      expect(codeOf(() => captureOptionsFrom(parseArgs(argv, SPECS))), argv.join(' ')).toBe('BAD_OPTIONS');
    }
    expect(codeOf(() => parseArgs(['--nope'], SPECS))).toBe('BAD_OPTIONS');
    expect(codeOf(() => parseArgs(['--hz'], SPECS))).toBe('BAD_OPTIONS');
    expect(codeOf(() => parseArgs(['--strict=1'], SPECS))).toBe('BAD_OPTIONS');
    expect(codeOf(() => parseArgs(['--hz', '1', '--hz', '2'], SPECS))).toBe('BAD_OPTIONS');
    expect(codeOf(() => parseArgs(['-yx'], SPECS))).toBe('BAD_OPTIONS');
    expect(codeOf(() => redactionFrom(parseArgs(['--redact', 'secret'], SPECS)))).toBe('BAD_OPTIONS');
    expect(redactionFrom(parseArgs([], SPECS))).toBe('standard');
  });

  it('maps error codes to distinct exit statuses', () => {
    const codes = ['HOST_UNREACHABLE', 'AUTH_FAILED', 'HOST_KEY_CHANGED', 'HOST_KEY_UNKNOWN', 'SETUP_MISSING', 'BLOCKER', 'BAD_OPTIONS'] as const;
    const exits = codes.map(exitCodeFor);
    expect(new Set(exits).size).toBe(codes.length);
    expect(exits.every((e) => e !== EXIT.OK && e !== EXIT.FAILURE)).toBe(true);
    expect(exitCodeFor('BLOCKER')).toBe(2);
  });
});
