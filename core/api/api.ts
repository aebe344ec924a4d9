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

  listCaptures(): Promise<readonly CaptureSummary[]>;
  openCapture(captureId: string): Promise<OpenedCapture>;
  removeCapture(captureId: string): Promise<void>;
  importProfile(file: ImportRequest): Promise<CaptureSummary>;
  exportCapture(request: ExportRequest): Promise<ExportedFile>;

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
