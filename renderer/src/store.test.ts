// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { profileFromPaths } from '../../core/testing/fixtures';
import type { ApiEvent, CaptureSummary, EmberscopeApi, ExportRequest } from '../../core/api';
import { useStore } from './store';
import { PRESET_SETTINGS as PRESETS } from '../../core/redaction';

const summary: CaptureSummary = { id: 'c1', title: 'svc', host: '', source: 'import', startedMs: 0, durationMs: 0, samples: 3, lost: 0, interrupted: false, redaction: 'none' };
const profile = profileFromPaths([['main;hot', 3]]);

function fakeApi(overrides: Partial<EmberscopeApi> = {}): { api: EmberscopeApi; emit: (e: ApiEvent) => void; exports: ExportRequest[] } {
  let listener: ((e: ApiEvent) => void) | null = null;
  const exports: ExportRequest[] = [];
  const api: EmberscopeApi = {
    appInfo: async () => ({ version: 't', mode: 'browser', hostsAvailable: true }),
    listHosts: async () => [],
    saveHost: async () => {
      throw new Error('BAD_INPUT: no');
    },
    removeHost: async () => undefined,
    connect: async () => {
      throw new Error('HOST_UNREACHABLE: Nothing answers at 10.0.0.9:22. Check the address and that sshd runs, then connect again.');
    },
    disconnect: async () => undefined,
    answerPrompt: async () => undefined,
    checkHost: async () => {
      throw new Error('INTERNAL: x');
    },
    setupPlan: async () => {
      throw new Error('INTERNAL: x');
    },
    runSetup: async () => {
      throw new Error('INTERNAL: x');
    },
    startCapture: async () => ({ captureId: 'live1' }),
    stopCapture: async () => summary,
    listRunningCaptures: async () => [],
    listConnections: async () => [],
    listCaptures: async () => [summary],
    openCapture: async () => ({ summary, profile }),
    removeCapture: async () => undefined,
    importProfile: async () => summary,
    beginImport: async () => ({ importId: 'imp-1' }),
    importChunk: async () => undefined,
    finishImport: async () => ({ summary, duplicate: false, format: 'folded', gzipped: false }),
    cancelImport: async () => undefined,
    exportCapture: async (r) => {
      exports.push(r);
      return { fileName: 'svc.pb.gz', mimeType: 'application/gzip', dataBase64: 'AAEC', redactionSummary: '1 function masked' };
    },
    compareCaptures: async () => ({ base: { summary, profile }, target: { summary, profile } }),
    exportComparison: async () => ({ fileName: 'd.diff.pb.gz', mimeType: 'application/gzip', dataBase64: 'AAEC', redactionSummary: 'no redaction' }),
    onEvent: (l) => {
      listener = l;
      return () => (listener = null);
    },
    ...overrides,
  };
  return { api, emit: (e) => listener?.(e), exports };
}

beforeEach(() => {
  useStore.setState({ error: null, notice: null, open: null, capture: null, prompts: [], redaction: PRESETS.none, pendingExport: null, hostStates: {} });
  URL.createObjectURL = vi.fn(() => 'blob:x');
  URL.revokeObjectURL = vi.fn();
});

describe('store', () => {
  it('loads the library and opens a capture', async () => {
    const { api } = fakeApi();
    await useStore.getState().init(api);
    expect(useStore.getState().library).toEqual([summary]);
    await useStore.getState().openCapture('c1');
    expect(useStore.getState().screen).toEqual({ kind: 'profile' });
    expect(useStore.getState().open?.profile).toBe(profile);
  });

  it('asks before an unredacted export, and sends the redaction it shows', async () => {
    const { api, exports } = fakeApi();
    await useStore.getState().init(api);
    await useStore.getState().openCapture('c1');
    await useStore.getState().requestExport('pprof');
    expect(useStore.getState().pendingExport).toEqual({ format: 'pprof' });
    expect(exports).toHaveLength(0);
    await useStore.getState().confirmExport(false);
    expect(exports).toHaveLength(0);
    await useStore.getState().requestExport('pprof');
    await useStore.getState().confirmExport(true);
    expect(exports[0]).toMatchObject({ captureId: 'c1', format: 'pprof', confirmedUnredacted: true });

    useStore.getState().setRedaction(PRESETS.standard);
    await useStore.getState().requestExport('folded');
    expect(useStore.getState().pendingExport).toBeNull();
    expect(exports[1]).toMatchObject({ format: 'folded', redaction: PRESETS.standard, confirmedUnredacted: false });
    expect(useStore.getState().notice).toMatch(/svc\.pb\.gz \(1 function masked\)/);
  });

  it('shows failures in plain words with the code', async () => {
    const { api } = fakeApi();
    await useStore.getState().init(api);
    await useStore.getState().connect('ssh:db');
    const e = useStore.getState().error;
    expect(e?.code).toBe('HOST_UNREACHABLE');
    expect(e?.title).toBe('Could not connect to ssh:db');
    expect(e?.message).toMatch(/connect again/);
    expect(useStore.getState().hostStates['ssh:db']?.phase).toBe('failed');
  });

  it('queues prompts and follows a live capture', async () => {
    const { api, emit } = fakeApi();
    await useStore.getState().init(api);
    emit({ type: 'prompt', prompt: { kind: 'host-key', promptId: 'p1', hostId: 'h', hostLabel: 'h', keyType: 'ssh-ed25519', fingerprint: 'SHA256:x' } });
    expect(useStore.getState().prompts).toHaveLength(1);
    await useStore.getState().answerPrompt({ promptId: 'p1', accept: true, secret: '', remember: false });
    expect(useStore.getState().prompts).toHaveLength(0);

    await useStore.getState().startCapture('h', { hz: 99, seconds: 0, target: { kind: 'all' }, strict: false });
    emit({ type: 'capture-progress', captureId: 'live1', hostId: 'h', samples: 120, lost: 2, elapsedMs: 1000, profile });
    expect(useStore.getState().capture).toMatchObject({ samples: 120, lost: 2, running: true });
    expect(useStore.getState().open?.summary).toBeNull();
    await useStore.getState().stopCapture();
    expect(useStore.getState().capture?.running).toBe(false);
    expect(useStore.getState().open?.summary).toEqual(summary);
  });
});
