// @vitest-environment jsdom
// Behaviour of the store's slices that store.test.ts does not cover: import limits and
// encoding, capture-ended and connection events, host and capture removal, view state, and the
// helpers (base64, failure description).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { profileFromPaths } from '../../../core/testing/fixtures';
import { IMPORT_CHUNK_BYTES, MAX_IMPORT_FILE_BYTES, type ApiEvent, type CaptureSummary, type EmberscopeApi, type ImportRequest } from '../../../core/api';
import { PRESET_SETTINGS } from '../../../core/redaction';
import { ApiFailure } from '../api';
import { base64ToBytes, bytesToBase64 } from '../base64';
import { describeFailure } from '../failure';
import { useStore } from './index';

const summary: CaptureSummary = { id: 'c1', title: 'svc', host: '', source: 'import', startedMs: 0, durationMs: 0, samples: 3, lost: 0, interrupted: false, redaction: 'none' };
const profile = profileFromPaths([['main;hot', 3]]);
const unused = async (): Promise<never> => {
  throw new Error('INTERNAL: not used in this test');
};

function fakeApi(overrides: Partial<EmberscopeApi> = {}): { api: EmberscopeApi; emit: (e: ApiEvent) => void; opened: string[]; imports: ImportRequest[] } {
  let listener: ((e: ApiEvent) => void) | null = null;
  const opened: string[] = [];
  const imports: ImportRequest[] = [];
  const uploads = new Map<string, { fileName: string; parts: number[] }>();
  const api: EmberscopeApi = {
    appInfo: async () => ({ version: 't', mode: 'browser', hostsAvailable: true }),
    listHosts: async () => [],
    saveHost: unused,
    removeHost: async () => undefined,
    connect: unused,
    disconnect: async () => undefined,
    answerPrompt: async () => undefined,
    checkHost: unused,
    setupPlan: unused,
    runSetup: unused,
    startCapture: async () => ({ captureId: 'live1' }),
    stopCapture: async () => summary,
    listRunningCaptures: async () => [],
    listConnections: async () => [],
    listCaptures: async () => [summary],
    openCapture: async (id) => {
      opened.push(id);
      return { summary: { ...summary, id }, profile };
    },
    removeCapture: async () => undefined,
    importProfile: async (r) => {
      imports.push(r);
      return { ...summary, id: `imp-${imports.length}` };
    },
    // The streamed import: chunks are put together again and recorded like a one-call import.
    beginImport: async (f) => {
      uploads.set(`u${uploads.size}`, { fileName: f.fileName, parts: [] });
      return { importId: `u${uploads.size - 1}` };
    },
    importChunk: async (c) => {
      uploads.get(c.importId)?.parts.push(...base64ToBytes(c.dataBase64));
    },
    finishImport: async (importId) => {
      const u = uploads.get(importId);
      imports.push({ fileName: u?.fileName ?? '', dataBase64: bytesToBase64(new Uint8Array(u?.parts ?? [])) });
      return { summary: { ...summary, id: `imp-${imports.length}` }, duplicate: false, format: 'folded', gzipped: false };
    },
    cancelImport: async () => undefined,
    exportCapture: unused,
    compareCaptures: unused,
    exportComparison: unused,
    onEvent: (l) => {
      listener = l;
      return () => (listener = null);
    },
    ...overrides,
  };
  return { api, emit: (e) => listener?.(e), opened, imports };
}

beforeEach(() => {
  useStore.setState({ error: null, notice: null, open: null, capture: null, prompts: [], redaction: PRESET_SETTINGS.none, pendingExport: null, hostStates: {}, screen: { kind: 'welcome' }, busy: null, search: '', focus: null, running: [], pendingDisconnect: null });
  URL.createObjectURL = vi.fn(() => 'blob:x');
  URL.revokeObjectURL = vi.fn();
});

describe('library slice: import', () => {
  it('refuses a file over MAX_IMPORT_FILE_BYTES before reading it, imports the others and opens the last', async () => {
    const { api, imports, opened } = fakeApi();
    await useStore.getState().init(api);
    const big = { name: 'big.pb.gz', size: MAX_IMPORT_FILE_BYTES + 1, slice: () => { throw new Error('read'); } } as unknown as File;
    const small = new File([new Uint8Array([0, 1, 2, 250, 255])], 'small.folded');
    await useStore.getState().importFiles([big, small]);
    expect(useStore.getState().error).toMatchObject({ code: 'TOO_LARGE', title: 'The file could not be imported' });
    expect(useStore.getState().error?.message).toContain('big.pb.gz is larger than 1 GiB.');
    expect(imports.map((r) => r.fileName)).toEqual(['small.folded']);
    expect(Array.from(base64ToBytes(imports[0]?.dataBase64 ?? ''))).toEqual([0, 1, 2, 250, 255]);
    expect(opened).toEqual(['imp-1']);
    expect(useStore.getState().busy).toBeNull();
  });

  it('sends a large file in chunks of IMPORT_CHUNK_BYTES, in order, and shows the progress', async () => {
    const begun: number[] = [];
    const chunks: { offset: number; length: number }[] = [];
    const busy: string[] = [];
    const { api } = fakeApi({
      beginImport: async (f) => {
        begun.push(f.size);
        return { importId: 'big' };
      },
      importChunk: async (c) => {
        chunks.push({ offset: c.offset, length: base64ToBytes(c.dataBase64).length });
        busy.push(useStore.getState().busy ?? '');
      },
      finishImport: async () => ({ summary, duplicate: false, format: 'folded', gzipped: true }),
    });
    await useStore.getState().init(api);
    const size = IMPORT_CHUNK_BYTES * 2 + 10;
    await useStore.getState().importFiles([new File([new Uint8Array(size)], 'edge.folded.gz')]);
    expect(useStore.getState().error).toBeNull();
    expect(begun).toEqual([size]);
    expect(chunks).toEqual([{ offset: 0, length: IMPORT_CHUNK_BYTES }, { offset: IMPORT_CHUNK_BYTES, length: IMPORT_CHUNK_BYTES }, { offset: 2 * IMPORT_CHUNK_BYTES, length: 10 }]);
    expect(busy[1]).toMatch(/^Importing edge\.folded\.gz… \d+%$/);
    expect(useStore.getState().notice).toBe('Imported edge.folded.gz (folded stacks, gzipped).');
  });

  it('tells the user when the file was in the library already, and cancels an import that failed midway', async () => {
    const cancelled: string[] = [];
    const { api, opened } = fakeApi({
      finishImport: async () => ({ summary: { ...summary, id: 'old', title: 'svc from Monday' }, duplicate: true, format: 'pprof', gzipped: true }),
    });
    await useStore.getState().init(api);
    await useStore.getState().importFiles([new File(['x'], 'svc.pb.gz')]);
    expect(opened).toEqual(['old']);
    expect(useStore.getState().notice).toBe('svc.pb.gz is already in the library (as “svc from Monday”): nothing was added, the existing entry is open.');

    const failing = fakeApi({
      importChunk: async () => Promise.reject(new Error('DISK_FULL: no space left')),
      cancelImport: async (id) => {
        cancelled.push(id);
      },
    });
    await useStore.getState().init(failing.api);
    await useStore.getState().importFiles([new File(['x'], 'full.folded')]);
    expect(useStore.getState().error).toMatchObject({ code: 'DISK_FULL', title: 'full.folded could not be imported' });
    expect(cancelled).toEqual(['u0']);
  });

  it('shows an import failure under the file name and opens nothing', async () => {
    const { api, opened } = fakeApi({ finishImport: async () => Promise.reject(new Error('BAD_INPUT: not a profile')) });
    await useStore.getState().init(api);
    await useStore.getState().importFiles([new File(['x'], 'junk.txt')]);
    expect(useStore.getState().error).toMatchObject({ code: 'BAD_INPUT', title: 'junk.txt could not be imported' });
    expect(opened).toEqual([]);
  });
});

describe('library slice: removal and export', () => {
  it('closes the open profile when its capture is deleted', async () => {
    const { api } = fakeApi();
    await useStore.getState().init(api);
    await useStore.getState().openCapture('c1');
    await useStore.getState().removeCapture('c1');
    expect(useStore.getState().open).toBeNull();
    expect(useStore.getState().screen).toEqual({ kind: 'welcome' });
    expect(useStore.getState().notice).toBe('Capture deleted.');
  });

  it('downloads the exported bytes decoded from base64', async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
    const { api } = fakeApi({ exportCapture: async () => ({ fileName: 'svc.folded', mimeType: 'text/plain', dataBase64: bytesToBase64(bytes), redactionSummary: 'none' }) });
    await useStore.getState().init(api);
    await useStore.getState().openCapture('c1');
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => {
      blobs.push(b);
      return 'blob:x';
    });
    useStore.getState().setRedaction(PRESET_SETTINGS.standard);
    await useStore.getState().requestExport('folded');
    expect(blobs).toHaveLength(1);
    expect(new Uint8Array(await (blobs[0] as Blob).arrayBuffer())).toEqual(bytes);
    expect(useStore.getState().busy).toBeNull();
  });
});

describe('capture slice', () => {
  it('opens the saved capture when the capture ends on its own, and shows its error', async () => {
    const { api, emit, opened } = fakeApi();
    await useStore.getState().init(api);
    await useStore.getState().startCapture('h', { hz: 99, seconds: 10, target: { kind: 'all' }, strict: false });
    emit({ type: 'capture-ended', captureId: 'other', hostId: 'h', summary, error: null });
    expect(useStore.getState().capture?.running).toBe(true);
    emit({ type: 'capture-ended', captureId: 'live1', hostId: 'h', summary, error: { code: 'AGENT_FAILED', message: 'The sampler stopped' } });
    expect(useStore.getState().capture?.running).toBe(false);
    expect(useStore.getState().error).toMatchObject({ code: 'AGENT_FAILED', title: 'The capture ended with an error' });
    await vi.waitFor(() => expect(opened).toEqual(['c1']));
  });

  it('refuses a second capture while one runs', async () => {
    const startCapture = vi.fn(async () => ({ captureId: 'live1' }));
    const { api } = fakeApi({ startCapture });
    await useStore.getState().init(api);
    await useStore.getState().startCapture('h', { hz: 99, seconds: 0, target: { kind: 'all' }, strict: false });
    await useStore.getState().startCapture('h', { hz: 99, seconds: 0, target: { kind: 'all' }, strict: false });
    expect(startCapture).toHaveBeenCalledTimes(1);
    expect(useStore.getState().notice).toMatch(/already running/);
  });
});

describe('capture slice: captures outlive the window', () => {
  const options = { hz: 99, seconds: 0, target: { kind: 'all' as const }, strict: false };
  const runningOn = (hostId: string, captureId: string) => ({ captureId, hostId, hostLabel: `${hostId}-label`, options, startedMs: 1, samples: 40, lost: 0, elapsedMs: 3000, stopping: false });
  const connection = { hostId: 'h', hostLabel: 'h-label', user: 'ops', hostKeyFingerprint: '', kernel: '6.1', arch: 'x86_64', isRoot: false };

  it('a reloaded window gets its connections and the running capture back, on the live view', async () => {
    const checkHost = vi.fn(async () => Promise.reject(new Error('INTERNAL: not needed here')));
    const { api, emit } = fakeApi({ listConnections: async () => [connection], listRunningCaptures: async () => [runningOn('h', 'c-live')], checkHost });
    await useStore.getState().init(api);
    expect(useStore.getState().hostStates.h).toMatchObject({ phase: 'connected', connection });
    expect(checkHost).toHaveBeenCalledWith('h');
    expect(useStore.getState().capture).toMatchObject({ captureId: 'c-live', hostLabel: 'h-label', samples: 40, running: true });
    expect(useStore.getState().screen).toEqual({ kind: 'profile' });
    emit({ type: 'capture-progress', captureId: 'c-live', hostId: 'h', samples: 99, lost: 1, elapsedMs: 4000, profile });
    expect(useStore.getState().open?.profile).toBe(profile);
    expect(useStore.getState().running[0]?.samples).toBe(99);
    emit({ type: 'capture-ended', captureId: 'c-live', hostId: 'h', summary, error: null });
    expect(useStore.getState().running).toEqual([]);
  });

  it('starting on a host with a running capture attaches to it instead of starting a second', async () => {
    const startCapture = vi.fn(async () => ({ captureId: 'new' }));
    const { api, emit } = fakeApi({ startCapture });
    await useStore.getState().init(api);
    emit({ type: 'capture-started', capture: runningOn('h', 'other-window') });
    await useStore.getState().startCapture('h', options);
    expect(startCapture).not.toHaveBeenCalled();
    expect(useStore.getState().capture?.captureId).toBe('other-window');
    expect(useStore.getState().notice).toMatch(/already running on h-label/);
  });

  it('Disconnect asks while a capture runs on the host, and only a yes disconnects', async () => {
    const disconnect = vi.fn(async () => undefined);
    const { api, emit } = fakeApi({ disconnect });
    await useStore.getState().init(api);
    emit({ type: 'capture-started', capture: runningOn('h', 'c1') });
    await useStore.getState().disconnect('h');
    expect(disconnect).not.toHaveBeenCalled();
    expect(useStore.getState().pendingDisconnect).toBe('h');
    await useStore.getState().disconnect('h', true);
    expect(disconnect).toHaveBeenCalledWith('h');
    expect(useStore.getState().pendingDisconnect).toBeNull();
    await useStore.getState().disconnect('other');
    expect(disconnect).toHaveBeenCalledTimes(2);
  });

  it('stops a running capture that is not the live view', async () => {
    const stopCapture = vi.fn(async () => summary);
    const { api, emit } = fakeApi({ stopCapture });
    await useStore.getState().init(api);
    emit({ type: 'capture-started', capture: runningOn('h2', 'bg') });
    await useStore.getState().stopRunning('bg');
    expect(stopCapture).toHaveBeenCalledWith('bg');
    expect(useStore.getState().running).toEqual([]);
    expect(useStore.getState().capture).toBeNull();
  });
});

describe('hosts slice', () => {
  it('follows setup, upload and disconnection events per host', async () => {
    const { api, emit } = fakeApi();
    await useStore.getState().init(api);
    emit({ type: 'setup-progress', hostId: 'h', step: 2, total: 5, message: 'Installing' });
    emit({ type: 'upload-progress', hostId: 'h', file: 'agent', transferred: 10, total: 100 });
    expect(useStore.getState().hostStates.h).toMatchObject({ setupProgress: { step: 2, total: 5, message: 'Installing' }, upload: { file: 'agent', transferred: 10, total: 100 } });
    emit({ type: 'upload-progress', hostId: 'h', file: 'agent', transferred: 100, total: 100 });
    expect(useStore.getState().hostStates.h?.upload).toBeNull();
    emit({ type: 'connection', hostId: 'h', state: 'disconnected', message: 'The host went away.' });
    expect(useStore.getState().hostStates.h?.phase).toBe('idle');
    expect(useStore.getState().notice).toBe('The host went away.');
  });

  it('leaves the screen of a removed host and resets a host even when disconnecting fails', async () => {
    const { api } = fakeApi({ disconnect: async () => Promise.reject(new Error('CONNECTION_LOST: gone')) });
    await useStore.getState().init(api);
    useStore.getState().go({ kind: 'host', hostId: 'h' });
    await useStore.getState().removeHost('h');
    expect(useStore.getState().screen).toEqual({ kind: 'welcome' });
    await useStore.getState().disconnect('h');
    expect(useStore.getState().error?.title).toBe('Disconnecting failed');
    expect(useStore.getState().hostStates.h?.phase).toBe('idle');
  });
});

describe('view slice', () => {
  it('caps the search at 200 characters and counts focus requests', () => {
    useStore.getState().setSearch('x'.repeat(500));
    expect(useStore.getState().search).toHaveLength(200);
    useStore.getState().focusFunction('hot');
    useStore.getState().focusFunction('hot');
    expect(useStore.getState().focus).toEqual({ name: 'hot', seq: 2 });
  });
});

describe('helpers', () => {
  it('round-trips bytes through base64 across the chunk size', () => {
    const bytes = new Uint8Array(0x8000 * 2 + 5).map((_, i) => (i * 31) % 256);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
    expect(bytesToBase64(new Uint8Array([0, 1, 2]))).toBe('AAEC');
  });

  it('ends a failure with a full stop and the next step for its code, once', () => {
    expect(describeFailure(new ApiFailure('TOO_LARGE', 'Too big'), 't').message).toBe('Too big. Try a smaller file or a shorter capture.');
    expect(describeFailure(new ApiFailure('INTERNAL', ''), 't').message).toBe('Something went wrong.');
    const once = describeFailure(new ApiFailure('NOT_FOUND', 'Gone. It may have been removed; the list has been refreshed.'), 't');
    expect(once.message).toBe('Gone. It may have been removed; the list has been refreshed.');
  });
});
