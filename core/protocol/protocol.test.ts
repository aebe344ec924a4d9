import { describe, expect, it } from 'vitest';
import { evaluatePosture } from '../warnings';
import { CaptureEvent, FrameKind, FrameStatus, PostureReply, type CaptureDelta } from './generated/emberscope.generated';
import { buildCaptureOptions, normalizeCaptureOptions } from './options';
import { deltaToCore } from './convert';
import { postureToEvidence } from './posture';
import { AgentService } from './service';

describe('core/protocol', () => {
  it('round-trips a capture event through the wire codec', () => {
    const delta: CaptureDelta = {
      seq: 3,
      timeMs: 1700000000000.5,
      frames: [{ id: 1, name: 'f', module: '/bin/x', buildId: 'ab', file: '', line: 0, address: '0x10', kind: FrameKind.FRAME_KIND_USER, status: FrameStatus.FRAME_STATUS_SYMBOLIZED, mangled: '', source: 'symtab', unnamed: '' }],
      stacks: [{ id: 1, frameIds: [1], truncated: false }],
      counts: [{ stackId: 1, pid: 2, tid: 3, comm: 'x', count: 9 }],
      stats: undefined,
      processes: [],
      partial: false,
    };
    const m = AgentService.startCapture;
    const bytes = m.response.encode({ event: { $case: 'delta', value: delta } });
    const back = m.response.decode(bytes);
    expect(back.event).toEqual({ $case: 'delta', value: delta });
    expect(deltaToCore(delta)).toMatchObject({ newFrames: [{ id: 1, frame: { name: 'f', kind: 'user', status: 'symbolized' } }], newStacks: [{ id: 1, frames: [1] }], counts: [{ stackId: 1, pid: 2, tid: 3, count: 9 }] });
    expect(() => CaptureEvent.decode(Uint8Array.from([0x12, 0xff]))).toThrow();
  });

  it('builds and validates capture options', () => {
    const o = buildCaptureOptions({ hz: 199, seconds: 5, target: { kind: 'pids', pids: [1, 2] } });
    expect(normalizeCaptureOptions(o)).toMatchObject({ hz: 199, seconds: 5, intervalMs: 1000, kernelStacks: true });
    expect(normalizeCaptureOptions(buildCaptureOptions({ hz: 0 })).hz).toBe(99); // 0 means the default, 99 Hz
    expect(() => normalizeCaptureOptions(buildCaptureOptions({ hz: 20000 }))).toThrow(/hz/);
    expect(() => normalizeCaptureOptions(buildCaptureOptions({ target: { kind: 'pids', pids: [] } }))).toThrow(/pid/);
    expect(() => normalizeCaptureOptions(buildCaptureOptions({ target: { kind: 'cgroup', path: '../../etc' } }))).toThrow(/cgroup/);
    expect(() => normalizeCaptureOptions(buildCaptureOptions({ sampler: { useSetpriv: true, setprivUid: 0 } }))).toThrow(/non-root/);
    expect(normalizeCaptureOptions(buildCaptureOptions({ limits: { maxStacks: 10 ** 9 } })).limits?.maxStacks).toBe(1_000_000);
  });

  it('turns a posture reply into warnings evidence', () => {
    const reply = PostureReply.fromPartial({
      kernel: { release: '6.18.0', btfPresent: true, perfEventParanoid: { present: true, value: 2 }, kptrRestrict: { present: true, value: 0 }, lockdown: 'integrity', kallsymsReadable: false },
      mounts: [{ role: 'install', path: '/usr/local/libexec/emberscope', found: true, mountPoint: '/', options: ['rw', 'nosuid'] }],
      samplerFile: { path: '/s', exists: true, uid: 0, gid: 0, group: 'root', mode: 0o755, fileCapsText: 'cap_bpf,cap_perfmon=ep' },
      agent: { role: 'agent', present: true, pid: 7, caps: { effectiveNames: ['cap_sys_admin'], permittedNames: ['cap_sys_admin'], ambientNames: [] } },
      sshUserIsRoot: true,
      user: 'root',
    });
    const ev = postureToEvidence(reply);
    expect(ev).toMatchObject({ perfEventParanoid: 2, kptrRestrict: 0, unprivilegedBpfDisabled: undefined, sshUserIsRoot: true, kernelSymbolsResolvable: false });
    const ids = evaluatePosture(ev).map((w) => w.id);
    expect(ids).toEqual(expect.arrayContaining(['nosuid', 'ssh-root', 'extra-capabilities', 'kptr', 'kernel-symbols', 'sampler-permissions']));
  });
});
