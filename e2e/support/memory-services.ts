// A test double of the desktop services (electron/services/types.ts) for UI work that must not
// depend on SSH: the renderer benchmark, and screenshots of the host screens. The library is
// in memory and uses the real library's import and export (core's pprof/folded/redaction code); the one scripted host replays a
// fixed posture and a synthetic capture. The end-to-end tests of the issue use the real
// services (createServices), never this.
import { randomBytes } from 'node:crypto';
import { EmberError } from '../../core/errors';
import { ProfileBuilder } from '../../core/profile';
import type { Profile } from '../../core/profile/types';
import { exportProfile, parseProfileFile } from '../../electron/services/library';
import type {
  CaptureHandle,
  CaptureOptions,
  CaptureResult,
  CaptureSummary,
  CheckReport,
  ExportOptions,
  HostEntry,
  HostInput,
  Prompts,
  Services,
  Session,
} from '../../electron/services/types';

interface Stored {
  summary: CaptureSummary;
  profile: Profile;
}

export interface MemoryServicesOptions {
  /** A scripted host (for host-screen screenshots). */
  readonly demoHost?: boolean;
}

export const DEMO_CHECK: Omit<CheckReport, 'hostId'> = {
  kernel: '6.18.0-emberscope',
  user: 'ops',
  evidence: {},
  hasBlocker: false,
  capabilities: ['CAP_BPF', 'CAP_PERFMON'],
  setupInstalled: false,
  samplerPath: '',
  warnings: [
    {
      id: 'kptr',
      severity: 'warn',
      title: 'Kernel addresses are visible to everyone',
      evidence: 'kernel.kptr_restrict = 0',
      why: 'Kernel pointers in /proc expose the kernel layout and weaken KASLR for every local user, not only for Emberscope.',
      remediation: 'sudo sysctl -w kernel.kptr_restrict=1',
    },
    {
      id: 'kernel-symbols',
      severity: 'info',
      title: 'Kernel frames will not be named',
      evidence: 'perf_event_paranoid = 2, sampler without CAP_SYSLOG',
      why: 'Without CAP_SYSLOG /proc/kallsyms shows zeros, so kernel frames stay unresolved.',
      remediation: 'Run setup with "Also resolve kernel symbols" (adds CAP_SYSLOG to the sampler only).',
    },
    {
      id: 'no-frame-pointers',
      severity: 'info',
      title: 'Some stacks are truncated',
      evidence: '12% of sampled user stacks end after one frame',
      why: 'Binaries built without frame pointers give short stacks; the flame graph then shows them near the root.',
      remediation: 'Build with -fno-omit-frame-pointer (C/C++) or RUSTFLAGS="-C force-frame-pointers=yes".',
    },
  ],
};

export function createMemoryServices(options: MemoryServicesOptions = {}): Services {
  const store = new Map<string, Stored>();
  let seq = 0;
  const hosts: HostEntry[] = options.demoHost
    ? [
        { id: 'local', label: 'This machine', source: 'local', hostName: '', user: '', port: 0, identityFile: '', proxyJump: '', editable: false },
        { id: 'ssh:api-prod-3', label: 'api-prod-3', source: 'ssh-config', hostName: '10.0.4.17', user: 'ops', port: 22, identityFile: '~/.ssh/id_ed25519', proxyJump: 'bastion', editable: false },
      ]
    : [];
  let setupDone = false;

  const save = (profile: Profile, title: string, source: 'capture' | 'import', host: string): CaptureSummary => {
    const id = `cap-${Date.now().toString(36)}-${(seq++).toString(36)}`;
    const summary: CaptureSummary = {
      id,
      title,
      host,
      source,
      startedMs: profile.meta.startTimeMs || Date.now(),
      durationMs: Math.max(0, profile.meta.endTimeMs - profile.meta.startTimeMs),
      samples: profile.meta.sampleCount,
      lost: 0,
      interrupted: false,
      redaction: 'none',
    };
    store.set(id, { summary, profile });
    return summary;
  };

  const get = (id: string): Stored => {
    const s = store.get(id);
    if (!s) throw new EmberError('NOT_FOUND', 'That capture is not in the library.');
    return s;
  };

  const demoSession = (hostId: string, prompts: Prompts): Session => {
    let closeIt: (e: Error | undefined) => void = () => undefined;
    const closed = new Promise<Error | undefined>((r) => (closeIt = r));
    const info = { hostId, hostLabel: hostId.replace(/^ssh:/, ''), user: 'ops', hostKeyFingerprint: 'SHA256:q3V1Jc2m4kH0cX8oTn9yB5z1ZpA7wR6eL0sD2fG4hJk', kernel: '6.18.0-emberscope', arch: 'x86_64', isRoot: false };
    void prompts;
    return {
      info,
      async check() {
        return { ...DEMO_CHECK, hostId, setupInstalled: setupDone, samplerPath: setupDone ? '/usr/local/libexec/emberscope/0.1.0/emberscope-sampler' : '' };
      },
      async setupPlan() {
        return {
          hostId,
          via: 'sudo-n',
          installDir: '/usr/local/libexec/emberscope/0.1.0',
          notes: ['The sampler keeps only CAP_BPF and CAP_PERFMON; the agent runs without capabilities as ops.'],
          commands: [
            'groupadd --system emberscope',
            'usermod -a -G emberscope ops',
            'install -d -o root -g emberscope -m 0750 /usr/local/libexec/emberscope/0.1.0',
            'install -o root -g emberscope -m 0750 ~/.cache/emberscope/5d41…/emberscope-sampler /usr/local/libexec/emberscope/0.1.0/emberscope-sampler',
            'setcap cap_bpf,cap_perfmon=ep /usr/local/libexec/emberscope/0.1.0/emberscope-sampler',
          ],
        };
      },
      async runSetup(_o, onProgress) {
        for (let i = 1; i <= 5; i++) {
          onProgress?.({ step: i, total: 5, message: `Step ${i} of 5` });
          await new Promise((r) => setTimeout(r, 50));
        }
        setupDone = true;
        return { ok: true, report: ['getcap: cap_bpf,cap_perfmon=ep', 'owner root:emberscope mode 0750', 'ops is in group emberscope'] };
      },
      async uninstallPlan() {
        throw new EmberError('INTERNAL', 'not scripted');
      },
      async uninstall() {
        throw new EmberError('INTERNAL', 'not scripted');
      },
      onUpload() {
        return () => undefined;
      },
      closed,
      async close() {
        closeIt(undefined);
      },
    };
  };

  return {
    hosts: {
      async list() {
        return hosts;
      },
      async add(input: HostInput) {
        const h: HostEntry = { ...input, id: `app:${randomBytes(6).toString('hex')}`, source: 'app', editable: true };
        hosts.push(h);
        return h;
      },
      async update(id, input) {
        const i = hosts.findIndex((h) => h.id === id);
        if (i < 0) throw new EmberError('NOT_FOUND', 'No such host.');
        const h: HostEntry = { ...input, id, source: 'app', editable: true };
        hosts[i] = h;
        return h;
      },
      async remove(id) {
        const i = hosts.findIndex((h) => h.id === id);
        if (i >= 0) hosts.splice(i, 1);
      },
    },
    async connect(hostId, prompts) {
      if (!options.demoHost) throw new EmberError('HOST_UNREACHABLE', 'This session has no hosts.');
      if (hostId !== 'local') {
        const ok = await prompts.confirmHostKey({ hostLabel: hostId.replace(/^ssh:/, ''), hostPattern: '10.0.4.17', keyType: 'ssh-ed25519', fingerprint: 'SHA256:q3V1Jc2m4kH0cX8oTn9yB5z1ZpA7wR6eL0sD2fG4hJk' });
        if (!ok) throw new EmberError('HOST_KEY_UNKNOWN', 'You did not confirm the host key, so nothing was sent to the host.');
      }
      return demoSession(hostId, prompts);
    },
    capture: {
      async start(session: Session, captureOptions: CaptureOptions, onProgress) {
        const builder = new ProfileBuilder({ hz: captureOptions.hz, startTimeMs: Date.now() });
        const id = `live-${(seq++).toString(36)}`;
        const started = Date.now();
        let samples = 0;
        let finish: (r: CaptureResult) => void = () => undefined;
        const done = new Promise<CaptureResult>((r) => (finish = r));
        const names = ['main', 'serve', 'handle_request'];
        const leaves = ['spin_parse_request', 'spin_compress_block', 'spin_verify_session_token'];
        let tick = 0;
        const timer = setInterval(() => {
          tick++;
          const frames = [...names, ...leaves].map((n, i) => ({ id: i, frame: { name: n, module: '/opt/app/hot-c', buildId: '', file: '', line: 0, address: '', kind: 'user' as const, status: 'symbolized' as const } }));
          const counts = leaves.map((_l, i) => ({ stackId: i, comm: 'hot-c', pid: 4242, tid: 4242, count: 10 * (i + 1) }));
          builder.apply({
            newFrames: tick === 1 ? frames : [],
            newStacks: tick === 1 ? leaves.map((_l, i) => ({ id: i, frames: [3 + i, 2, 1, 0] })) : [],
            counts,
            stats: { samples: 60, lost: { mapFull: 0, userStackErrors: 0, kernelStackErrors: 0, other: 0 } },
          });
          samples += 60;
          onProgress?.({ captureId: id, hostId: session.info.hostId, samples, lost: 0, elapsedMs: Date.now() - started, deltas: tick });
        }, 250);
        const handle: CaptureHandle = {
          id,
          hostId: session.info.hostId,
          profile: () => builder.snapshot(),
          async stop() {
            clearInterval(timer);
            const summary = save(builder.snapshot(), `${session.info.hostLabel} capture`, 'capture', session.info.hostLabel);
            const result: CaptureResult = { summary, reason: 'stopped', error: null };
            finish(result);
            return result;
          },
          async cancel() {
            clearInterval(timer);
          },
          done,
        };
        return handle;
      },
      active: () => [],
    },
    library: {
      async list() {
        return { captures: [...store.values()].map((s) => s.summary).reverse(), damaged: [] };
      },
      async open(id) {
        const s = get(id);
        return { summary: s.summary, profile: s.profile, metadata: null as never };
      },
      async remove(id) {
        store.delete(id);
      },
      async import(bytes, fileName) {
        const { profile } = parseProfileFile(bytes);
        return save(profile, fileName.replace(/\.(pb\.gz|pb|pprof|folded|txt|collapsed)$/i, ''), 'import', '');
      },
      async beginImport(fileName) {
        // The test double keeps the chunks in memory (the real library streams them to disk).
        const parts: Uint8Array[] = [];
        return {
          async write(_offset: number, bytes: Uint8Array) {
            parts.push(bytes);
          },
          async finish() {
            const { profile, format } = parseProfileFile(Buffer.concat(parts));
            const summary = save(profile, fileName.replace(/\.(pb\.gz|pb|pprof|folded|txt|collapsed)$/i, ''), 'import', '');
            return { summary, duplicate: false, format, gzipped: false };
          },
          async cancel() {
            parts.length = 0;
          },
        };
      },
    },
    async export(captureId, exportOptions: ExportOptions) {
      const s = get(captureId);
      return exportProfile(s.profile, s.summary.title, exportOptions);
    },
    knownHosts: {
      async list() {
        return [];
      },
      async remove() {
        return 0;
      },
    },
    async secretsStatus() {
      return { available: false, reason: 'test double' };
    },
    async close() {
      store.clear();
    },
  };
}
