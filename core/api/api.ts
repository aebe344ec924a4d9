// The one API between the console UI and the app: exposed as `window.emberscope` by the
// Electron preload, and implemented over a WebSocket by the browser mode. Every request,
// response and event here is plain serializable data (structured clone and JSON).
//
// Errors: a rejected call carries an Error whose message is `CODE: message` (core/errors'
// describeError format; ./errors.ts reads it back), so the code survives contextBridge and JSON.
import type { Profile } from '../profile/types';
import type { ProfileTransform } from '../profile/transforms';
import type {
  ApiErrorInfo,
  CaptureOptions,
  CaptureSummary,
  CheckReport,
  ConnectionInfo,
  ExportFormat,
  HostEntry,
  HostInput,
  RedactionSettings,
  SetupOptions,
  SetupPlan,
  SetupResult,
} from './types';

export interface AppInfo {
  readonly version: string;
  readonly mode: 'electron' | 'browser';
  /** True when the services behind the API can reach hosts (false: offline viewer only). */
  readonly hostsAvailable: boolean;
}
// ---------------------------------------------------------------- prompts

export type Prompt =
  | {
      readonly kind: 'host-key';
      readonly promptId: string;
      readonly hostId: string;
      readonly hostLabel: string;
      readonly keyType: string;
      readonly fingerprint: string;
    }
  | {
      readonly kind: 'passphrase';
      readonly promptId: string;
      readonly hostId: string;
      readonly keyPath: string;
      readonly canRemember: boolean;
      readonly retry: boolean;
    }
  | {
      readonly kind: 'password';
      readonly promptId: string;
      readonly hostId: string;
      readonly user: string;
      readonly purpose: 'login' | 'sudo';
      readonly canRemember: boolean;
      readonly retry: boolean;
    };

export interface PromptAnswer {
  readonly promptId: string;
  /** false: the user declined (the connection or setup stops). */
  readonly accept: boolean;
  /** The passphrase or password; '' for a host key. */
  readonly secret: string;
  readonly remember: boolean;
}

// ---------------------------------------------------------------- library, import, export

export interface OpenedCapture {
  readonly summary: CaptureSummary;
  readonly profile: Profile;
}

export interface ImportRequest {
  readonly fileName: string;
  readonly dataBase64: string;
}

/** The start of a streamed import: the file's name and its size in bytes. */
export interface ImportBegin {
  readonly fileName: string;
  readonly size: number;
}

/** One piece of a streamed import, in order: `offset` is where it starts in the file. */
export interface ImportChunk {
  readonly importId: string;
  readonly offset: number;
  readonly dataBase64: string;
}

export interface ImportedCapture {
  readonly summary: CaptureSummary;
  /** The same content was in the library already: `summary` is that entry, nothing was added. */
  readonly duplicate: boolean;
  readonly format: 'pprof' | 'folded';
  readonly gzipped: boolean;
}

export interface ExportRequest {
  readonly captureId: string;
  readonly format: ExportFormat;
  readonly redaction: RedactionSettings;
  /** Must be true when every redaction toggle is off: the user confirmed an unredacted export. */
  readonly confirmedUnredacted: boolean;
  /** The view's transforms, applied before redaction, only when the user asked (names as captured). */
  readonly transforms?: readonly ProfileTransform[];
}

export interface ExportedFile {
  readonly fileName: string;
  readonly mimeType: string;
  readonly dataBase64: string;
  /** One line, e.g. "23 functions masked, 140 paths stripped". */
  readonly redactionSummary: string;
}

// ---------------------------------------------------------------- running captures

/**
 * A capture the app's services are running now. The services own it, not the window: a
 * reloaded or reopened window lists these and attaches to their live view.
 */
export interface RunningCapture {
  readonly captureId: string;
  readonly hostId: string;
  readonly hostLabel: string;
  readonly options: CaptureOptions;
  readonly startedMs: number;
  readonly samples: number;
  readonly lost: number;
  readonly elapsedMs: number;
  /** Stop was asked for; the capture is being saved. */
  readonly stopping: boolean;
}

// ---------------------------------------------------------------- comparing two captures

export interface CompareRequest {
  /** The capture compared against (before); null: the previous capture of the target's host. */
  readonly baseId: string | null;
  /** The capture compared (after). */
  readonly targetId: string;
}

/** Both captures as stored; the view redacts them with one key and diffs them (core/profile/diff.ts). */
export interface OpenedComparison {
  readonly base: OpenedCapture;
  readonly target: OpenedCapture;
}

export interface ComparisonExportRequest {
  readonly baseId: string;
  readonly targetId: string;
  readonly redaction: RedactionSettings;
  /** Must be true when every redaction toggle is off (as for exportCapture). */
  readonly confirmedUnredacted: boolean;
}

// ---------------------------------------------------------------- events

export type ApiEvent =
  | { readonly type: 'prompt'; readonly prompt: Prompt }
  | { readonly type: 'prompt-cancelled'; readonly promptId: string }
  | {
      readonly type: 'capture-progress';
      readonly captureId: string;
      readonly hostId: string;
      readonly samples: number;
      readonly lost: number;
      readonly elapsedMs: number;
      /** The merged profile so far (sent at most about once a second); null between snapshots. */
      readonly profile: Profile | null;
    }
  | { readonly type: 'capture-started'; readonly capture: RunningCapture }
  | {
      readonly type: 'capture-ended';
      readonly captureId: string;
      readonly hostId: string;
      readonly summary: CaptureSummary | null;
      readonly error: ApiErrorInfo | null;
    }
  | {
      readonly type: 'setup-progress';
      readonly hostId: string;
      readonly step: number;
      readonly total: number;
      readonly message: string;
    }
  | {
      /** Deploy: the agent or sampler being uploaded to the host (SFTP). */
      readonly type: 'upload-progress';
      readonly hostId: string;
      readonly file: string;
      readonly transferred: number;
      readonly total: number;
    }
  | {
      readonly type: 'connection';
      readonly hostId: string;
      readonly state: 'connected' | 'disconnected';
      readonly message: string;
    };

// ---------------------------------------------------------------- the API

export interface EmberscopeApi {
  appInfo(): Promise<AppInfo>;

  listHosts(): Promise<readonly HostEntry[]>;
  saveHost(input: HostInput): Promise<HostEntry>;
  removeHost(hostId: string): Promise<void>;

  /** Connects; host-key, passphrase and password questions arrive as `prompt` events. */
  connect(hostId: string): Promise<ConnectionInfo>;
  disconnect(hostId: string): Promise<void>;
  answerPrompt(answer: PromptAnswer): Promise<void>;

  checkHost(hostId: string): Promise<CheckReport>;
  setupPlan(hostId: string, options: SetupOptions): Promise<SetupPlan>;
  runSetup(hostId: string, options: SetupOptions): Promise<SetupResult>;

  startCapture(hostId: string, options: CaptureOptions): Promise<{ readonly captureId: string }>;
  stopCapture(captureId: string): Promise<CaptureSummary>;
  /** Captures running now, whichever window started them (a reload attaches to them). */
  listRunningCaptures(): Promise<readonly RunningCapture[]>;
  /** Hosts connected now (the connections outlive a reload of the window). */
  listConnections(): Promise<readonly ConnectionInfo[]>;

  listCaptures(): Promise<readonly CaptureSummary[]>;
  openCapture(captureId: string): Promise<OpenedCapture>;
  removeCapture(captureId: string): Promise<void>;
  importProfile(file: ImportRequest): Promise<CaptureSummary>;
  /**
   * Streamed import of a large file: begin, the chunks in order (IMPORT_CHUNK_BYTES each),
   * finish. The format is told from the content (folded text or pprof, gzipped or not).
   */
  beginImport(file: ImportBegin): Promise<{ readonly importId: string }>;
  importChunk(chunk: ImportChunk): Promise<void>;
  finishImport(importId: string): Promise<ImportedCapture>;
  cancelImport(importId: string): Promise<void>;
  exportCapture(request: ExportRequest): Promise<ExportedFile>;
  /** Opens a base and a target for the compare view ("previous capture of this host" when baseId is null). */
  compareCaptures(request: CompareRequest): Promise<OpenedComparison>;
  /** The comparison as gzipped pprof in `go tool pprof -diff_base` form (base negated), redacted as asked. */
  exportComparison(request: ComparisonExportRequest): Promise<ExportedFile>;

  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

/** The request/response methods (everything but onEvent). */
export type ApiMethod = Exclude<keyof EmberscopeApi, 'onEvent'>;
export type ApiArgs<M extends ApiMethod> = Parameters<EmberscopeApi[M]>;
export type ApiResult<M extends ApiMethod> = Awaited<ReturnType<EmberscopeApi[M]>>;

/** Browser mode's WebSocket messages (JSON). */
export type WireRequest = { readonly id: number; readonly method: string; readonly args: readonly unknown[] };
export type WireMessage =
  | { readonly kind: 'result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'result'; readonly id: number; readonly ok: false; readonly error: ApiErrorInfo }
  | { readonly kind: 'event'; readonly event: ApiEvent };
