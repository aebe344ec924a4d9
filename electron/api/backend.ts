// The backend of the preload API: validated calls in, the desktop services (electron/services)
// behind. One instance serves Electron's IPC or the browser mode's WebSocket clients.
//
// Calls arrive unvalidated (`dispatch` checks method and arguments with ./validate first);
// results and events are plain data. Errors leave as `CODE: message` (describeError).
import { randomUUID } from 'node:crypto';
import { EmberError, describeError, isEmberError } from '../../core/errors';
import { liveSnapshot } from '../../core/profile';
import type { Prompts, Services, Session, CaptureHandle } from '../services/types';
import { validateCall } from './validate';
import { IMPORT_TOO_LARGE_MESSAGE, MAX_IMPORT_BYTES } from '../../core/api';
import type { ApiErrorInfo, ApiEvent, ApiMethod, ApiResult, AppInfo, EmberscopeApi, ExportRequest, Prompt, PromptAnswer } from '../../core/api';
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
  readonly log?: (line: string) => void;
}

export interface Backend {
  /** Validates and runs one call; rejects with Error(`CODE: message`). */
  dispatch(method: unknown, args: unknown): Promise<unknown>;
  subscribe(listener: (event: ApiEvent) => void): () => void;
  close(): Promise<void>;
}

type Impl = { [M in ApiMethod]: (...args: Parameters<EmberscopeApi[M]>) => Promise<ApiResult<M>> };

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
  const captures = new Map<string, CaptureHandle>();
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
    return c;
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
      captures.set(h.id, h);
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
    async close() {
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
