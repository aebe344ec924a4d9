import { describe, expect, it } from 'vitest';
import { EmberError } from '../errors';
import { parseCapabilityMask, parseGetcap, parseGetcapLine, parseProcStatusCapabilities } from './capabilities';
import { CATALOGUE, hasBlocker, worstSeverity, type WarningId } from './catalogue';
import { evaluatePosture, parseKernelVersion, parseLockdown, type PostureEvidence } from './evaluate';

const STATUS_SAMPLER = `Name:\temberscope-samp
Umask:\t0022
State:\tS (sleeping)
Uid:\t1000\t1000\t1000\t1000
CapInh:\t0000000000000000
CapPrm:\t000000c000000000
CapEff:\t000000c000000000
CapBnd:\t000001ffffffffff
CapAmb:\t0000000000000000
NoNewPrivs:\t1
`;
const STATUS_ROOT = STATUS_SAMPLER.replace(/CapPrm:\t\w+/, 'CapPrm:\t000001ffffffffff').replace(/CapEff:\t\w+/, 'CapEff:\t000001ffffffffff');

// What a good host (this project's machines, set up as designed, non-root user) reports.
const GOOD: PostureEvidence = {
  kernelRelease: '6.18.0-1-amd64',
  btfPresent: true,
  perfEventParanoid: 2,
  unprivilegedBpfDisabled: 2,
  kptrRestrict: 1,
  lockdown: '[none] integrity confidentiality',
  mounts: [{ role: 'install', path: '/usr/local/libexec/emberscope/0.1.0', mountPoint: '/', options: ['rw', 'relatime'] }],
  samplerFile: { path: '/usr/local/libexec/emberscope/0.1.0/emberscope-sampler', uid: 0, gid: 997, group: 'emberscope', mode: 0o750, fileCaps: 'cap_perfmon,cap_bpf=ep' },
  processes: [
    { role: 'sampler', pid: 300, status: STATUS_SAMPLER },
    { role: 'agent', pid: 200, caps: { inheritable: [], permitted: [], effective: [], bounding: [], ambient: [] } },
  ],
  sshUserIsRoot: false,
  binaries: [{ path: '/usr/bin/app', hasDwarf: false, buildPaths: [] }],
  stacksTotal: 1000,
  stacksTruncated: 10,
  kernelSymbolsResolvable: true,
  keychainAvailable: true,
};

const ids = (e: PostureEvidence): string[] => evaluatePosture(e).map((w) => `${w.id}:${w.severity}`);

describe('capability parsing', () => {
  it('reads hex masks', () => {
    expect(parseCapabilityMask('000000c000000000')).toEqual(['cap_perfmon', 'cap_bpf']);
    expect(parseCapabilityMask('0000000000000000')).toEqual([]);
    expect(parseCapabilityMask('0000000000200000')).toEqual(['cap_sys_admin']);
    expect(parseCapabilityMask('000001ffffffffff')).toHaveLength(41);
    expect(parseCapabilityMask('8000000000000000')).toEqual(['cap_63']);
    expect(() => parseCapabilityMask('xyz')).toThrowError(EmberError);
  });

  it('reads /proc/PID/status', () => {
    const sets = parseProcStatusCapabilities(STATUS_SAMPLER);
    expect(sets.effective).toEqual(['cap_perfmon', 'cap_bpf']);
    expect(sets.ambient).toEqual([]);
    expect(sets.bounding).toHaveLength(41);
    expect(parseProcStatusCapabilities(STATUS_SAMPLER.replace(/CapAmb.*\n/, '')).ambient).toEqual([]);
    expect(() => parseProcStatusCapabilities('Name:\tx\n')).toThrowError(/no CapInh line/);
  });

  it.each([
    ['/usr/local/libexec/emberscope/0.1.0/emberscope-sampler cap_bpf,cap_perfmon=ep', ['cap_perfmon', 'cap_bpf'], [], true],
    ['/usr/bin/x = cap_bpf,cap_perfmon+ep', ['cap_perfmon', 'cap_bpf'], [], true],
    ['/usr/bin/ping cap_net_raw=p', ['cap_net_raw'], [], false],
    ['/opt/my tools/x cap_syslog,cap_bpf,cap_perfmon=ep cap_setuid+i', ['cap_syslog', 'cap_perfmon', 'cap_bpf'], ['cap_setuid'], true],
    ['/usr/bin/all =ep', 'all', [], true],
  ])('reads getcap output %s', (line, permitted, inheritable, effective) => {
    const caps = parseGetcapLine(line);
    if (permitted === 'all') expect(caps.permitted).toHaveLength(41);
    else expect(caps.permitted).toEqual(permitted);
    expect(caps.inheritable).toEqual(inheritable);
    expect(caps.effective).toBe(effective);
    expect(caps.path).toBe(line.replace(/ (?:= )?(?:cap_|=).*$/, ''));
  });

  it('reads several getcap lines and refuses garbage', () => {
    expect(parseGetcap('/a cap_bpf=ep\n\n/b cap_net_raw=p\n').map((c) => c.path)).toEqual(['/a', '/b']);
    expect(() => parseGetcapLine('hello')).toThrowError(/not a getcap line/);
  });
});

describe('evaluatePosture', () => {
  it('a well set-up host raises nothing', () => {
    expect(evaluatePosture(GOOD)).toEqual([]);
  });

  it('the verified project machine: kptr_restrict=0, integrity lockdown, root, no CAP_SYSLOG', () => {
    const warnings = evaluatePosture({ ...GOOD, kptrRestrict: 0, lockdown: 'none [integrity] confidentiality', sshUserIsRoot: true, kernelSymbolsResolvable: false });
    expect(warnings.map((w) => `${w.id}:${w.severity}`)).toEqual(['kptr:warn', 'ssh-root:warn', 'kernel-symbols:info', 'lockdown:info']);
    expect(hasBlocker(warnings)).toBe(false);
    expect(worstSeverity(warnings)).toBe('warn');
  });

  it.each<[string, PostureEvidence, string[]]>([
    ['old kernel', { kernelRelease: '5.4.0-150-generic' }, ['kernel-too-old:critical']],
    ['no BTF', { btfPresent: false }, ['no-btf:blocker']],
    ['paranoid 1', { perfEventParanoid: 1 }, ['perf-paranoid:warn']],
    ['paranoid 0', { perfEventParanoid: 0 }, ['perf-paranoid:high']],
    ['paranoid -1', { perfEventParanoid: -1 }, ['perf-paranoid:critical']],
    ['paranoid 3 (Debian default: perf events need CAP_SYS_ADMIN)', { perfEventParanoid: 3 }, ['perf-restricted:blocker']],
    ['unprivileged BPF', { unprivilegedBpfDisabled: 0 }, ['unprivileged-bpf:high']],
    ['kptr 2', { kptrRestrict: 2 }, ['kptr:info']],
    ['confidentiality lockdown', { lockdown: 'none integrity [confidentiality]' }, ['lockdown:blocker']],
    ['nosuid install dir', { mounts: [{ role: 'install', path: '/opt/e', mountPoint: '/opt', options: ['rw', 'nosuid'] }] }, ['nosuid:blocker']],
    ['noexec install dir', { mounts: [{ role: 'install', path: '/opt/e', options: ['noexec'] }] }, ['noexec:blocker']],
    ['nosuid cache dir', { mounts: [{ role: 'cache', path: '/home/u/.cache', options: ['nosuid', 'noexec'] }] }, []],
    ['DWARF binaries', { binaries: [{ path: '/srv/app', hasDwarf: true, buildPaths: ['/home/ci/src/app.c'] }] }, ['debug-symbols:warn']],
    ['truncated stacks', { stacksTotal: 100, stacksTruncated: 60 }, ['no-frame-pointers:info']],
    ['too few stacks to judge', { stacksTotal: 5, stacksTruncated: 5 }, []],
    ['no keychain', { keychainAvailable: false }, ['keychain-unavailable:warn']],
    ['kernel symbols opted in', { kernelSymbolsResolvable: false, capSyslogOptIn: true }, []],
    ['root agent', { processes: [{ role: 'agent', pid: 9, status: STATUS_ROOT }] }, ['extra-capabilities:critical']],
    ['sampler with sys_admin', { processes: [{ role: 'sampler', status: STATUS_SAMPLER.replace(/CapPrm:\t\w+/, 'CapPrm:\t000000c000200000') }] }, ['extra-capabilities:critical']],
    ['sampler with opted-in syslog', { capSyslogOptIn: true, processes: [{ role: 'sampler', caps: { inheritable: [], permitted: ['cap_syslog', 'cap_bpf', 'cap_perfmon'], effective: [], bounding: [], ambient: [] } }] }, []],
  ])('%s', (_what, evidence, expected) => {
    expect(ids(evidence)).toEqual(expected);
  });

  it('checks the sampler file: owner, mode, group and capabilities', () => {
    const file = GOOD.samplerFile!;
    const one = (patch: Partial<typeof file>) => evaluatePosture({ samplerFile: { ...file, ...patch } });
    expect(one({})).toEqual([]);
    const notRoot = one({ uid: 1000, mode: 0o777 });
    expect(notRoot.map((w) => `${w.id}:${w.severity}`)).toEqual(['sampler-permissions:critical']);
    expect(notRoot[0]?.evidence.join('\n')).toMatch(/not root[\s\S]*writable by everyone[\s\S]*every user can run it/);
    expect(notRoot[0]?.remediation).toBe(`sudo chown root:emberscope ${file.path} && sudo chmod 0750 ${file.path} && sudo setcap cap_perfmon,cap_bpf=ep ${file.path}   (or: emberscope setup <host>)`);
    expect(one({ fileCaps: 'cap_bpf,cap_perfmon,cap_sys_admin=ep' })[0]?.severity).toBe('critical');
    expect(one({ fileCaps: `${file.path} = cap_bpf,cap_perfmon+ep` })).toEqual([]);
    expect(one({ fileCaps: '' })[0]?.severity).toBe('warn');
    expect(one({ fileCaps: 'cap_bpf=ep' })[0]?.severity).toBe('warn');
    expect(one({ group: 'users' })[0]?.evidence[0]).toMatch(/group users, not emberscope/);
    expect(one({ mode: 0o4750 })[0]?.evidence[0]).toMatch(/setuid/);
  });

  it('every warning carries catalogue text, evidence and a remediation', () => {
    const all = evaluatePosture({
      kernelRelease: '4.19.0', btfPresent: false, perfEventParanoid: -1, unprivilegedBpfDisabled: 0, kptrRestrict: 0, lockdown: '[confidentiality]',
      mounts: [{ role: 'install', path: '/x', options: ['nosuid', 'noexec'] }], samplerFile: { ...GOOD.samplerFile!, uid: 5 },
      processes: [{ role: 'agent', status: STATUS_ROOT }], sshUserIsRoot: true, binaries: [{ path: '/b', hasDwarf: true, buildPaths: [] }],
      stacksTotal: 50, stacksTruncated: 40, kernelSymbolsResolvable: false, keychainAvailable: false,
    });
    // perf_event_paranoid cannot be both -1 and 3: the blocker of level 3 comes from a second posture.
    all.push(...evaluatePosture({ perfEventParanoid: 3 }));
    const seen = new Set(all.map((w) => w.id));
    expect([...seen].sort()).toEqual((Object.keys(CATALOGUE) as WarningId[]).sort());
    for (const w of all) {
      expect(w.title).toBe(CATALOGUE[w.id].title);
      expect(w.evidence.length).toBeGreaterThan(0);
      expect(w.remediation.length).toBeGreaterThan(10);
    }
    expect(all[0]?.severity).toBe('blocker');
    expect(hasBlocker(all)).toBe(true);
    // On a kernel older than 5.8 the sampler is expected to hold CAP_SYS_ADMIN instead.
    expect(all.find((w) => w.id === 'sampler-permissions')?.remediation).toMatch(/setcap cap_sys_admin=ep/);
  });

  it('parses kernel versions and lockdown modes', () => {
    expect(parseKernelVersion('6.18.0-1-amd64')).toEqual([6, 18]);
    expect(parseKernelVersion('garbage')).toBeUndefined();
    expect(parseLockdown('none [integrity] confidentiality')).toBe('integrity');
    expect(parseLockdown('integrity')).toBe('integrity');
  });
});
