// One capture-options schema: the same options through the four places that check them (the
// API validator, the services' start, the CLI's parser, the wire request the agent normalizes)
// are accepted alike or refused alike, in the same words.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPTURE_LIMITS, kernelSymbolsFor, type CaptureOptions } from '../../../core/capture/options';
import { EmberError } from '../../../core/errors';
import { buildCaptureOptions, captureInputFor, normalizeCaptureOptions } from '../../../core/protocol/options';
import { validateCall } from '../../api/validate';
import { captureOptionsFrom } from '../../cli/capture-command';
import { findCommand, parseCommandLine } from '../../cli/command-line';
import { COMMANDS, COMMON_OPTIONS } from '../../cli/commands';
import { Captures } from '../capture';
import { Library } from '../library';
import type { Session } from '../types';

const ACCEPTED = 'accepted';

/** `code: message` of an EmberError, ACCEPTED when nothing was thrown. */
function outcome(f: () => unknown): string {
  try {
    f();
    return ACCEPTED;
  } catch (e) {
    return e instanceof EmberError ? `${e.code}: ${e.message}` : `raw: ${String(e)}`;
  }
}

const viaApi = (o: CaptureOptions): string => outcome(() => validateCall('startCapture', ['local', o]));

function argvOf(o: CaptureOptions): string[] {
  const t = o.target;
  return [
    'capture',
    'local',
    '-o',
    'x.pb.gz',
    `--hz=${o.hz}`,
    `--seconds=${o.seconds}`,
    ...(t.kind === 'pid' ? [`--pid=${t.pid}`] : t.kind === 'comm' ? [`--comm=${t.name}`] : t.kind === 'cgroup' ? [`--cgroup=${t.path}`] : []),
    ...(o.strict ? ['--strict'] : []),
    ...(o.kernelSymbols === undefined ? [] : [o.kernelSymbols ? '--kernel-symbols' : '--no-kernel-symbols']),
    ...(o.redactPatterns ?? []).map((p) => `--redact-pattern=${p}`),
    ...(o.title !== undefined ? [`--title=${o.title}`] : []),
  ];
}

const viaCli = (o: CaptureOptions): string =>
  outcome(() => {
    const { command, rest } = findCommand(COMMANDS, argvOf(o));
    return captureOptionsFrom(parseCommandLine(command, rest, COMMON_OPTIONS).values);
  });

const viaWire = (o: CaptureOptions): string =>
  outcome(() => normalizeCaptureOptions(buildCaptureOptions(captureInputFor(o, { sampler: { path: '', useSetpriv: false, setprivUid: 0, setprivGid: 0 }, kernelSymbols: kernelSymbolsFor(o.kernelSymbols) }))));

const unused = (): Promise<never> => Promise.reject(new Error('not used by this test'));
/** A Session these services did not open: start() refuses it only after checking the options. */
const foreignSession: Session = {
  info: { hostId: 'x', hostLabel: 'x', user: 'u', hostKeyFingerprint: '', kernel: '6.1', arch: 'x86_64', isRoot: false },
  check: unused,
  setupPlan: unused,
  runSetup: unused,
  uninstallPlan: unused,
  uninstall: unused,
  onUpload: () => () => undefined,
  closed: new Promise(() => undefined),
  close: async () => undefined,
};
const captures = new Captures(new Library(join(tmpdir(), 'emberscope-never-created')), () => undefined);

async function viaServices(o: CaptureOptions): Promise<string> {
  try {
    await captures.start(foreignSession, o);
    return 'raw: started';
  } catch (e) {
    if (e instanceof EmberError && e.code === 'INTERNAL' && e.message === 'Not a session of these services.') return ACCEPTED;
    return e instanceof EmberError ? `${e.code}: ${e.message}` : `raw: ${String(e)}`;
  }
}

const base: CaptureOptions = { hz: 99, seconds: 0, target: { kind: 'all' }, strict: false };

interface Case {
  readonly what: string;
  readonly options: CaptureOptions;
  readonly ok: boolean;
  /** Where the wire differs on purpose, and why. */
  readonly wire?: { readonly accepts: true; readonly why: string };
}

const CASES: readonly Case[] = [
  { what: 'the defaults', options: base, ok: true },
  { what: 'a day-long capture', options: { ...base, seconds: 86_400 }, ok: true },
  { what: 'a week', options: { ...base, seconds: CAPTURE_LIMITS.seconds.max }, ok: true },
  { what: 'a week and a second', options: { ...base, seconds: CAPTURE_LIMITS.seconds.max + 1 }, ok: false },
  { what: 'negative seconds', options: { ...base, seconds: -1 }, ok: false },
  { what: 'hz 0', options: { ...base, hz: 0 }, ok: false, wire: { accepts: true, why: 'proto3 reads 0 as unset: the default rate' } },
  { what: 'hz 10000', options: { ...base, hz: 10_000 }, ok: true },
  { what: 'hz 10001', options: { ...base, hz: 10_001 }, ok: false },
  { what: 'hz 99.5', options: { ...base, hz: 99.5 }, ok: false },
  { what: 'a pid', options: { ...base, target: { kind: 'pid', pid: 1 } }, ok: true },
  { what: 'pid 0', options: { ...base, target: { kind: 'pid', pid: 0 } }, ok: false },
  { what: 'a pid over PID_MAX_LIMIT', options: { ...base, target: { kind: 'pid', pid: CAPTURE_LIMITS.pid.max + 1 } }, ok: false },
  { what: 'a short name', options: { ...base, target: { kind: 'comm', name: 'nginx' } }, ok: true },
  { what: 'a full executable name (over 15 characters)', options: { ...base, target: { kind: 'comm', name: 'postgres-exporter-v2' } }, ok: true },
  { what: 'a 255-character name', options: { ...base, target: { kind: 'comm', name: 'n'.repeat(255) } }, ok: true },
  { what: 'a 256-character name', options: { ...base, target: { kind: 'comm', name: 'n'.repeat(256) } }, ok: false },
  { what: 'an empty name', options: { ...base, target: { kind: 'comm', name: '' } }, ok: false },
  { what: 'a name with a newline', options: { ...base, target: { kind: 'comm', name: 'a\nb' } }, ok: false },
  { what: 'an absolute cgroup', options: { ...base, target: { kind: 'cgroup', path: '/system.slice/x.service' } }, ok: true },
  { what: 'a relative cgroup', options: { ...base, target: { kind: 'cgroup', path: 'system.slice/x.service' } }, ok: true },
  { what: 'a cgroup with ..', options: { ...base, target: { kind: 'cgroup', path: '/a/../b' } }, ok: false },
  { what: 'strict with a pattern', options: { ...base, strict: true, redactPatterns: ['^billing_'] }, ok: true },
  { what: 'an invalid pattern', options: { ...base, redactPatterns: ['('] }, ok: false },
  { what: 'a ReDoS pattern', options: { ...base, redactPatterns: ['(a+)+'] }, ok: false },
  { what: 'too many patterns', options: { ...base, redactPatterns: Array.from({ length: CAPTURE_LIMITS.redactPatterns + 1 }, (_, i) => `p${i}`) }, ok: false },
  { what: 'kernel symbols asked', options: { ...base, kernelSymbols: true }, ok: true },
  { what: 'kernel symbols refused', options: { ...base, kernelSymbols: false }, ok: true },
  { what: 'a title', options: { ...base, title: 'nightly run' }, ok: true },
  { what: 'a long title', options: { ...base, title: 't'.repeat(201) }, ok: false, wire: { accepts: true, why: 'the title is the library’s, it does not travel to the host' } },
];

describe('one capture-options schema', () => {
  for (const c of CASES) {
    it(`${c.ok ? 'accepts' : 'refuses'} ${c.what} alike everywhere`, async () => {
      const api = viaApi(c.options);
      const services = await viaServices(c.options);
      const cli = viaCli(c.options);
      const wire = viaWire(c.options);
      if (c.ok) {
        expect({ api, services, cli, wire }).toEqual({ api: ACCEPTED, services: ACCEPTED, cli: ACCEPTED, wire: ACCEPTED });
        return;
      }
      const message = services.replace(/^BAD_OPTIONS: /, '');
      expect(services).toMatch(/^BAD_OPTIONS: /);
      // The API refuses as it refuses any bad call (BAD_INPUT), in the same words.
      expect({ api, cli, wire }).toEqual({ api: `BAD_INPUT: ${message}`, cli: `BAD_OPTIONS: ${message}`, wire: c.wire ? ACCEPTED : `BAD_OPTIONS: ${message}` });
    });
  }

  it('the wire fills the default rate for an unset hz', () => {
    expect(normalizeCaptureOptions(buildCaptureOptions({ hz: 0 })).hz).toBe(99);
  });

  it('kernel symbols: an explicit choice wins, undefined follows what the host granted', () => {
    expect([kernelSymbolsFor(true), kernelSymbolsFor(false, true), kernelSymbolsFor(undefined), kernelSymbolsFor(undefined, true)]).toEqual([true, false, false, true]);
  });
});
