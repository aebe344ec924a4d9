// The backend of the preload API: validated calls in, the desktop services (electron/services)
// behind. One instance serves Electron's IPC or the browser mode's WebSocket clients.
//
// Calls arrive unvalidated (`dispatch` checks method and arguments with ./validate first);
// results and events are plain data. Errors leave as `CODE: message` (describeError).
import { randomUUID } from 'node:crypto';
import { EmberError, describeError, isEmberError } from '../../core/errors';
import { liveSnapshot } from '../../core/profile';
import type { Prompts, Services, Session, CaptureHandle, ImportSession } from '../services/types';
import { validateCall } from './validate';
import { IMPORT_CHUNK_BYTES, IMPORT_TOO_LARGE_MESSAGE, MAX_IMPORT_BYTES } from '../../core/api';
import type { ApiErrorInfo, ApiEvent, ApiMethod, ApiResult, AppInfo, EmberscopeApi, ExportRequest, Prompt, PromptAnswer, RunningCapture } from '../../core/api';
import { compareCaptures, exportComparisonOf } from './compare';
import { isRedactionOff, normalizeRedaction } from '../../core/redaction';

export interface BackendOptions {
  readonly mode: AppInfo['mode'];
  readonly version: string;
  /** How long a question waits for the user before it is declined (default 10 min). */
  readonly promptTimeoutMs?: number;
  /** Minimum time between profile snapshots in capture-progress events (default 1 s). */
  readonly snapshotIntervalMs?: number;
  /** Sample rows in a live snapshot at most; the rest is merged into one row (default 20,000). */
  readonly liveMaxRows?: number;
  /** A streamed import that receives nothing for this long is dropped (default 5 min). */
  readonly importIdleMs?: number;
  readonly log?: (line: string) => void;
}

export interface Backend {
  /** Validates and runs one call; rejects with Error(`CODE: message`). */
  dispatch(method: unknown, args: unknown): Promise<unknown>;
  subscribe(listener: (event: ApiEvent) => void): () => void;
  /** Captures running now (the Electron shell asks before quitting while there are any). */
  running(): readonly RunningCapture[];
  /** Stops every running capture (each is saved), then closes the connections. */
  close(): Promise<void>;
}

type Impl = { [M in ApiMethod]: (...args: Parameters<EmberscopeApi[M]>) => Promise<ApiResult<M>> };

/** A capture this backend started: its handle and what a (re)attaching window is told of it. */
interface Running {
  readonly handle: CaptureHandle;
  info: RunningCapture;
}

interface PendingPrompt {
  readonly hostId: string;
  readonly resolve: (answer: PromptAnswer | null) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export function errorInfo(error: unknown): ApiErrorInfo {
  if (isEmberError(error)) return { code: error.code, message: error.message };
  const line = describeError(error);
  return { code: 'INTERNAL', message: line.replace(/^INTERNAL: /, '') };
}

function decodeBase64(data: string): Uint8Array {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > MAX_IMPORT_BYTES) throw new EmberError('TOO_LARGE', IMPORT_TOO_LARGE_MESSAGE);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function createBackend(services: Services, options: BackendOptions): Backend {
  const listeners = new Set<(event: ApiEvent) => void>();
  const sessions = new Map<string, Session>();
  const connecting = new Map<string, Promise<Session>>();
  const prompts = new Map<string, PendingPrompt>();
  const captures = new Map<string, Running>();
  const imports = new Map<string, { readonly session: ImportSession; timer: ReturnType<typeof setTimeout> }>();
  const importIdleMs = options.importIdleMs ?? 5 * 60_000;
  const promptTimeout = options.promptTimeoutMs ?? 10 * 60_000;
  const snapshotEvery = options.snapshotIntervalMs ?? 1000;
  const liveMaxRows = options.liveMaxRows ?? 20_000;
  const log = options.log ?? (() => undefined);

  const emit = (event: ApiEvent): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch (e) {
        log(`api: event listener failed: ${describeError(e)}`);
      }
    }
  };

  const ask = (prompt: Prompt): Promise<PromptAnswer | null> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        prompts.delete(prompt.promptId);
        emit({ type: 'prompt-cancelled', promptId: prompt.promptId });
        resolve(null);
      }, promptTimeout);
      prompts.set(prompt.promptId, { hostId: prompt.hostId, resolve, timer });
      emit({ type: 'prompt', prompt });
    });

  const promptsFor = (hostId: string): Prompts => ({
    async confirmHostKey(q) {
      const a = await ask({ kind: 'host-key', promptId: randomUUID(), hostId, hostLabel: q.hostLabel, keyType: q.keyType, fingerprint: q.fingerprint });
      return a?.accept === true;
    },
    async askPassphrase(q) {
      const a = await ask({ kind: 'passphrase', promptId: randomUUID(), hostId, keyPath: q.keyPath, canRemember: q.canRemember, retry: q.retry });
      return a?.accept ? { secret: a.secret, remember: a.remember && q.canRemember } : null;
    },
    async askPassword(q) {
      const a = await ask({ kind: 'password', promptId: randomUUID(), hostId, user: q.user, purpose: q.purpose, canRemember: q.canRemember, retry: q.retry });
      return a?.accept ? { secret: a.secret, remember: a.remember && q.canRemember } : null;
    },
  });

  const session = (hostId: string): Session => {
    const s = sessions.get(hostId);
    if (!s) throw new EmberError('CONNECTION_LOST', 'This host is not connected. Connect to it first.');
    return s;
  };

  const capture = (captureId: string): CaptureHandle => {
    const c = captures.get(captureId);
    if (!c) throw new EmberError('NOT_FOUND', 'That capture is not running any more.');
    c.info = { ...c.info, stopping: true };
    return c.handle;
  };

  /** Stops (and saves) the captures running on a host, or on every host. */
  const stopCaptures = async (hostId?: string): Promise<void> => {
    const which = [...captures.values()].filter((c) => hostId === undefined || c.info.hostId === hostId);
    await Promise.all(
      which.map(async (c) => {
        c.info = { ...c.info, stopping: true };
        await c.handle.stop().catch((e: unknown) => log(`api: capture ${c.info.captureId} did not stop cleanly: ${describeError(e)}`));
      }),
    );
  };

  /** A streamed import by id; its idle timer starts again (a closed window's upload is dropped). */
  const upload = (importId: string): ImportSession => {
    const u = imports.get(importId);
    if (!u) throw new EmberError('NOT_FOUND', 'That import is no longer open (it was finished, cancelled or idle too long). Import the file again.');
    clearTimeout(u.timer);
    u.timer = setTimeout(() => void dropImport(importId), importIdleMs);
    return u.session;
  };
  const dropImport = async (importId: string): Promise<void> => {
    const u = imports.get(importId);
    if (!u) return;
    imports.delete(importId);
    clearTimeout(u.timer);
    await u.session.cancel().catch(() => undefined);
  };

  const impl: Impl = {
    async appInfo() {
      return { version: options.version, mode: options.mode, hostsAvailable: true };
    },
    async listHosts() {
      return services.hosts.list();
    },
    async saveHost(input) {
      return input.id ? services.hosts.update(input.id, input) : services.hosts.add(input);
    },
    async removeHost(hostId) {
      await stopCaptures(hostId);
      await sessions.get(hostId)?.close();
      await services.hosts.remove(hostId);
    },
    async connect(hostId) {
      const existing = sessions.get(hostId);
      if (existing) return existing.info;
      let pending = connecting.get(hostId);
      if (!pending) {
        pending = services.connect(hostId, promptsFor(hostId), { unknownHostKey: 'ask' });
        connecting.set(hostId, pending);
      }
      try {
        const s = await pending;
        sessions.set(hostId, s);
        const stopUploads = s.onUpload((u) => emit({ type: 'upload-progress', hostId, file: u.file, transferred: u.transferred, total: u.total }));
        void s.closed.then((error) => {
          stopUploads();
          if (sessions.get(hostId) !== s) return;
          sessions.delete(hostId);
          emit({ type: 'connection', hostId, state: 'disconnected', message: error ? `The connection to ${s.info.hostLabel} was lost: ${errorInfo(error).message}` : '' });
        });
        emit({ type: 'connection', hostId, state: 'connected', message: '' });
        return s.info;
      } finally {
        connecting.delete(hostId);
      }
    },
    async disconnect(hostId) {
      // A capture does not outlive its connection unseen: it is stopped and saved first.
      await stopCaptures(hostId);
      const s = sessions.get(hostId);
      sessions.delete(hostId);
      await s?.close();
    },
    async answerPrompt(answer) {
      const p = prompts.get(answer.promptId);
      if (!p) throw new EmberError('NOT_FOUND', 'That question is no longer waiting for an answer (it may have timed out). Try again.');
      prompts.delete(answer.promptId);
      clearTimeout(p.timer);
      p.resolve(answer);
    },
    async checkHost(hostId) {
      return session(hostId).check();
    },
    async setupPlan(hostId, setupOptions) {
      return session(hostId).setupPlan(setupOptions);
    },
    async runSetup(hostId, setupOptions) {
      return session(hostId).runSetup(setupOptions, (p) => emit({ type: 'setup-progress', hostId, step: p.step, total: p.total, message: p.message }));
    },
    async startCapture(hostId, captureOptions) {
      const s = session(hostId);
      let nextSnapshot = 0;
      let handle: CaptureHandle | null = null;
      handle = await services.capture.start(s, captureOptions, (p) => {
        const r = captures.get(p.captureId);
        if (r) r.info = { ...r.info, samples: p.samples, lost: p.lost, elapsedMs: p.elapsedMs };
        const t0 = Date.now();
        const withProfile = handle !== null && t0 >= nextSnapshot;
        emit({
          type: 'capture-progress',
          captureId: p.captureId,
          hostId,
          samples: p.samples,
          lost: p.lost,
          elapsedMs: p.elapsedMs,
          profile: withProfile && handle ? liveSnapshot(handle.profile(), liveMaxRows) : null,
        });
        // A snapshot that took long to build and send (a huge profile) is sent less often, so
        // the main process spends at most about a tenth of its time on live snapshots.
        if (withProfile) nextSnapshot = t0 + Math.max(snapshotEvery, 10 * (Date.now() - t0));
      });
      const h = handle;
      const info: RunningCapture = { captureId: h.id, hostId, hostLabel: s.info.hostLabel, options: captureOptions, startedMs: Date.now(), samples: 0, lost: 0, elapsedMs: 0, stopping: false };
      captures.set(h.id, { handle: h, info });
      emit({ type: 'capture-started', capture: info });
      h.done.then(
        (result) => {
          captures.delete(h.id);
          emit({ type: 'capture-ended', captureId: h.id, hostId, summary: result.summary, error: result.error });
        },
        (error: unknown) => {
          captures.delete(h.id);
          const info = errorInfo(error);
          emit({ type: 'capture-ended', captureId: h.id, hostId, summary: null, error: info.code === 'CANCELLED' ? null : info });
        },
      );
      return { captureId: h.id };
    },
    async stopCapture(captureId) {
      const result = await capture(captureId).stop();
      return result.summary;
    },
    async listRunningCaptures() {
      return [...captures.values()].map((c) => c.info);
    },
    async listConnections() {
      return [...sessions.values()].map((s) => s.info);
    },
    async listCaptures() {
      const listing = await services.library.list();
      for (const d of listing.damaged) log(`library: skipped damaged entry ${d.id}: ${d.reason}`);
      return listing.captures;
    },
    async openCapture(captureId) {
      const opened = await services.library.open(captureId);
      return { summary: opened.summary, profile: opened.profile };
    },
    async removeCapture(captureId) {
      await services.library.remove(captureId);
    },
    async importProfile(file) {
      return services.library.import(decodeBase64(file.dataBase64), file.fileName);
    },
    async beginImport(file) {
      const session = await services.library.beginImport(file.fileName, file.size);
      const importId = `imp-${randomUUID()}`;
      imports.set(importId, { session, timer: setTimeout(() => void dropImport(importId), importIdleMs) });
      return { importId };
    },
    async importChunk(chunk) {
      const bytes = Buffer.from(chunk.dataBase64, 'base64');
      if (bytes.length > IMPORT_CHUNK_BYTES) throw new EmberError('BAD_INPUT', `An import chunk holds more than ${IMPORT_CHUNK_BYTES} bytes.`);
      const session = upload(chunk.importId);
      try {
        await session.write(chunk.offset, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
      } catch (error) {
        await dropImport(chunk.importId);
        throw error;
      }
    },
    async finishImport(importId) {
      const session = upload(importId);
      const u = imports.get(importId);
      if (u) clearTimeout(u.timer);
      imports.delete(importId);
      return session.finish();
    },
    async cancelImport(importId) {
      await dropImport(importId);
    },
    async exportCapture(request: ExportRequest) {
      if (isRedactionOff(request.redaction) && !request.confirmedUnredacted) {
        throw new EmberError('BAD_INPUT', 'Exporting without any redaction needs your confirmation. Turn on a redaction preset, or confirm the unredacted export.');
      }
      const file = await services.export(request.captureId, { format: request.format, redaction: normalizeRedaction(request.redaction), ...(request.transforms ? { transforms: request.transforms } : {}) });
      return {
        fileName: file.fileName,
        mimeType: file.mimeType,
        dataBase64: Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength).toString('base64'),
        redactionSummary: file.redactionSummary,
      };
    },
    compareCaptures: (request) => compareCaptures(services.library, request),
    exportComparison: (request) => exportComparisonOf(services.library, request),
  };

  return {
    async dispatch(method, args) {
      let call;
      try {
        call = validateCall(method, args);
      } catch (e) {
        throw new Error(describeError(e));
      }
      try {
        const fn = impl[call.method] as (...a: unknown[]) => Promise<unknown>;
        return await fn(...(call.args as unknown[]));
      } catch (e) {
        const info = errorInfo(e);
        if (info.code === 'INTERNAL') log(`api: ${call.method} failed: ${info.message}`);
        throw new Error(`${info.code}: ${info.message}`);
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    running() {
      return [...captures.values()].map((c) => c.info);
    },
    async close() {
      for (const importId of [...imports.keys()]) await dropImport(importId);
      await stopCaptures();
      for (const [id, p] of prompts) {
        clearTimeout(p.timer);
        p.resolve(null);
        prompts.delete(id);
      }
      listeners.clear();
      for (const s of sessions.values()) await s.close().catch(() => undefined);
      sessions.clear();
    },
  };
}
