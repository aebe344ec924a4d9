// @vitest-environment jsdom
// Behaviour of the store's slices that store.test.ts does not cover: import limits and
// encoding, capture-ended and connection events, host and capture removal, view state, and the
// helpers (base64, failure description).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { profileFromPaths } from '../../../core/testing/fixtures';
import { MAX_IMPORT_BYTES, type ApiEvent, type CaptureSummary, type EmberscopeApi, type ImportRequest } from '../../../core/api';
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
  useStore.setState({ error: null, notice: null, open: null, capture: null, prompts: [], redaction: PRESET_SETTINGS.none, pendingExport: null, hostStates: {}, screen: { kind: 'welcome' }, busy: null, search: '', focus: null });
  URL.createObjectURL = vi.fn(() => 'blob:x');
  URL.revokeObjectURL = vi.fn();
});

describe('library slice: import', () => {
  it('refuses a file over MAX_IMPORT_BYTES before reading it, imports the others and opens the last', async () => {
    const { api, imports, opened } = fakeApi();
    await useStore.getState().init(api);
    const big = new File([new Uint8Array(MAX_IMPORT_BYTES + 1)], 'big.pb.gz');
    const small = new File([new Uint8Array([0, 1, 2, 250, 255])], 'small.folded');
    await useStore.getState().importFiles([big, small]);
    expect(useStore.getState().error).toMatchObject({ code: 'TOO_LARGE', title: 'The file could not be imported' });
    expect(useStore.getState().error?.message).toContain(`big.pb.gz is larger than ${MAX_IMPORT_BYTES / (1024 * 1024)} MiB.`);
    expect(imports.map((r) => r.fileName)).toEqual(['small.folded']);
    expect(Array.from(base64ToBytes(imports[0]?.dataBase64 ?? ''))).toEqual([0, 1, 2, 250, 255]);
    expect(opened).toEqual(['imp-1']);
    expect(useStore.getState().busy).toBeNull();
  });

  it('accepts a file of exactly MAX_IMPORT_BYTES (the limit is inclusive)', async () => {
    const { api, imports } = fakeApi();
    await useStore.getState().init(api);
    const atLimit = { name: 'edge.pb.gz', size: MAX_IMPORT_BYTES, arrayBuffer: async () => new ArrayBuffer(3) } as unknown as File;
    await useStore.getState().importFiles([atLimit]);
    expect(useStore.getState().error).toBeNull();
    expect(imports).toHaveLength(1);
  });

  it('shows an import failure under the file name and opens nothing', async () => {
    const { api, opened } = fakeApi({ importProfile: async () => Promise.reject(new Error('BAD_INPUT: not a profile')) });
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
