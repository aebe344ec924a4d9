// The facade of the desktop services (issue 5): hosts, SSH sessions, host setup, capture,
// library, export. One implementation (createServices in ./index.ts) serves the Electron main
// process (IPC), the browser mode (WebSocket) and the `emberscope` CLI.
//
// Boundary rules:
//  - Every argument and result of a method here is plain data (JSON-safe, structured-clone
//    safe), except the objects that live only in the main process and are never sent anywhere:
//    Services, Session, CaptureHandle and the callbacks (Prompts, progress listeners).
//    Bytes are Uint8Array (structured clone); the WebSocket side turns them into base64.
//  - Failures are EmberError (core/errors.ts) with a stable code; messages are one line.
//  - Stable after the first commit: extended only by adding optional members.
import type { ErrorCode } from '../../core/errors';
import type { SymbolSourceCounts } from '../../core/profile/sources';
import type { ProfileTransform } from '../../core/profile/transforms';
import type {
  CaptureOptions,
  CaptureSummary,
  CheckReport,
  ConnectionInfo,
  ExportFormat,
  HostEntry,
  HostInput,
  Profile,
  RedactionPreset,
  RedactionSettings,
  SetupOptions,
  SetupPlan,
  SetupResult,
  WarningView,
} from '../../core/api/types';

import type { ImportedCapture } from '../../core/api/api';

// The plain-data types are the API's (core/api/types.ts); re-exported for the services' own modules.
export type * from '../../core/api/types';

// ---------------------------------------------------------------- hosts

export interface HostsService {
  /** This machine, ssh_config hosts (concrete `Host` names, no patterns), app hosts. */
  list(): Promise<readonly HostEntry[]>;
  add(input: HostInput): Promise<HostEntry>;
  update(id: string, input: HostInput): Promise<HostEntry>;
  remove(id: string): Promise<void>;
}

// ---------------------------------------------------------------- prompts (callbacks)

export interface HostKeyQuestion {
  readonly hostLabel: string;
  /** `host` or `[host]:port` as written to known_hosts. */
  readonly hostPattern: string;
  /** e.g. `ssh-ed25519`. */
  readonly keyType: string;
  /** `SHA256:...` (as printed by ssh-keygen -lf). */
  readonly fingerprint: string;
}

export interface PassphraseQuestion {
  readonly hostLabel: string;
  readonly keyPath: string;
  /** False when no keychain is available (keychain-unavailable): asked each time. */
  readonly canRemember: boolean;
  /** Set when an earlier answer (or a remembered one) was wrong. */
  readonly retry: boolean;
}

export interface PasswordQuestion {
  readonly hostLabel: string;
  readonly user: string;
  readonly purpose: 'login' | 'sudo';
  readonly canRemember: boolean;
  readonly retry: boolean;
}

export interface SecretAnswer {
  readonly secret: string;
  /** Remember in the OS keychain (ignored when canRemember was false). */
  readonly remember: boolean;
}

/** Questions asked during connect and setup. Resolving null / false declines. */
export interface Prompts {
  confirmHostKey(question: HostKeyQuestion): Promise<boolean>;
  askPassphrase(question: PassphraseQuestion): Promise<SecretAnswer | null>;
  askPassword(question: PasswordQuestion): Promise<SecretAnswer | null>;
}

// ---------------------------------------------------------------- session, posture, setup

export interface ConnectOptions {
  /** Extra or overriding connection settings (CLI: -p, -i, --accept-new-host-key). */
  readonly port?: number;
  readonly identityFile?: string;
  /**
   * Unknown host keys: 'ask' → prompts.confirmHostKey (default); 'accept-new' → accepted
   * and written (OpenSSH StrictHostKeyChecking=accept-new); 'refuse' → HOST_KEY_UNKNOWN.
   * A changed key is always refused (HOST_KEY_CHANGED).
   */
  readonly unknownHostKey?: 'ask' | 'accept-new' | 'refuse';
  /** Connection timeout per hop (default 15 s). */
  readonly timeoutMs?: number;
}

export interface SetupProgress {
  readonly step: number;
  readonly total: number;
  readonly message: string;
}

export interface UploadProgress {
  readonly file: string;
  readonly transferred: number;
  readonly total: number;
}

export interface Session {
  readonly info: ConnectionInfo;
  /** Deploys (if needed) and asks the agent for its posture; the warnings of core/warnings. */
  check(): Promise<CheckReport>;
  setupPlan(options: SetupOptions): Promise<SetupPlan>;
  runSetup(options: SetupOptions, onProgress?: (p: SetupProgress) => void): Promise<SetupResult>;
  /** The exact commands `uninstall` runs. */
  uninstallPlan(): Promise<SetupPlan>;
  uninstall(onProgress?: (p: SetupProgress) => void): Promise<SetupResult>;
  /** Deploy progress (SFTP uploads) of later calls. */
  onUpload(listener: (p: UploadProgress) => void): () => void;
  /** Resolves when the connection ends (with the error when it dropped). */
  readonly closed: Promise<Error | undefined>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- capture

export interface CaptureProgress {
  readonly captureId: string;
  readonly hostId: string;
  readonly samples: number;
  readonly lost: number;
  readonly elapsedMs: number;
  /** Deltas merged so far. */
  readonly deltas: number;
}

export interface CaptureResult {
  /** Saved in the library (also when interrupted). */
  readonly summary: CaptureSummary;
  /** Why it ended: duration, stopped, cancelled (not saved: summary of nothing), interrupted. */
  readonly reason: 'duration' | 'stopped' | 'interrupted' | 'cancelled';
  /** The error that interrupted it, if any. */
  readonly error: { readonly code: ErrorCode; readonly message: string } | null;
  /**
   * Samples the sampler says it took in all (its END record, through the agent); absent when
   * it did not say (killed, connection lost). Equals the profile's reportedSamples when every
   * interval arrived.
   */
  readonly samplerTotal?: number;
}

export interface CaptureHandle {
  readonly id: string;
  readonly hostId: string;
  /** The merged profile so far (a fresh snapshot each call). */
  profile(): Profile;
  /** Stops the capture, saves it, resolves with the result (same as `done`). */
  stop(): Promise<CaptureResult>;
  /** Stops without saving; `done` rejects with CANCELLED. */
  cancel(): Promise<void>;
  readonly done: Promise<CaptureResult>;
}

export interface CaptureService {
  start(session: Session, options: CaptureOptions, onProgress?: (p: CaptureProgress) => void): Promise<CaptureHandle>;
  /** Captures running now (several hosts at once). */
  active(): readonly CaptureHandle[];
}

// ---------------------------------------------------------------- library

export interface CaptureMetadata {
  readonly formatVersion: 1;
  readonly id: string;
  readonly title: string;
  readonly source: 'capture' | 'import';
  readonly host: { readonly id: string; readonly label: string; readonly hostName: string; readonly port: number };
  readonly user: string;
  readonly startedMs: number;
  readonly endedMs: number;
  readonly options: CaptureOptions | null;
  readonly agent: { readonly version: string; readonly sha256: string };
  readonly sampler: { readonly version: string; readonly sha256: string };
  readonly samples: number;
  readonly lost: number;
  /** Share of samples whose leaf frame is symbolized, 0..1. */
  readonly symbolizedShare: number;
  /** Which table named its frames and why the others stayed unnamed (absent in older records). */
  readonly symbolSources?: SymbolSourceCounts;
  readonly warnings: readonly WarningView[];
  /** Redaction applied before storing ('none', or 'strict (host)' for host-side strict mode). */
  readonly redaction: string;
  readonly interrupted: boolean;
  readonly error: string;
  /** Imported file name ('' for captures). */
  readonly importedFrom: string;
  /** SHA-256 of the imported file as it was sent (absent for captures and older imports): duplicates are found by it. */
  readonly contentSha256?: string;
}

export interface DamagedEntry {
  readonly id: string;
  readonly reason: string;
}

export interface LibraryListing {
  readonly captures: readonly CaptureSummary[];
  /** Entries that could not be read: reported and skipped. */
  readonly damaged: readonly DamagedEntry[];
}

export interface OpenedCapture {
  readonly summary: CaptureSummary;
  readonly metadata: CaptureMetadata;
  readonly profile: Profile;
}

export interface LibraryService {
  list(): Promise<LibraryListing>;
  open(id: string): Promise<OpenedCapture>;
  remove(id: string): Promise<void>;
  /** Imports a pprof (gzipped or not) or folded-stacks file. */
  import(bytes: Uint8Array, fileName: string): Promise<CaptureSummary>;
  /** A streamed import of a large file: its chunks go to disk as they come. */
  beginImport(fileName: string, size: number): Promise<ImportSession>;
}

export interface ImportSession {
  /** The next chunk (in order: `offset` is where the previous one ended). */
  write(offset: number, bytes: Uint8Array): Promise<void>;
  /** Reads the file (format told by content), saves it unless the same content is there already. */
  finish(): Promise<ImportedCapture>;
  /** Drops what arrived. */
  cancel(): Promise<void>;
}

// ---------------------------------------------------------------- export

export interface ExportOptions {
  readonly format: ExportFormat;
  /** Default 'standard'. */
  readonly redaction?: RedactionPreset | RedactionSettings;
  /** Extra patterns added to a preset. */
  readonly patterns?: readonly string[];
  /**
   * Key of the masking hash: 'random' (default; exports cannot be linked to each other) or
   * 'team' (a key kept in the OS keychain, created on first use; exports can be compared).
   */
  readonly hashKey?: 'random' | 'team';
  /** Transforms of the view (focus, merge, filters), applied before redaction; none by default. */
  readonly transforms?: readonly ProfileTransform[];
}

export interface ExportedFile {
  readonly fileName: string;
  readonly mimeType: string;
  readonly bytes: Uint8Array;
  /** One line, e.g. "23 functions masked, 140 paths stripped". */
  readonly redactionSummary: string;
}

// ---------------------------------------------------------------- known hosts, secrets

export interface KnownHostEntry {
  /** Where it is: the app's own file or the user's ~/.ssh/known_hosts (read-only). */
  readonly file: string;
  readonly line: number;
  readonly hosts: string;
  readonly keyType: string;
  readonly fingerprint: string;
  readonly marker: '' | '@revoked' | '@cert-authority';
}

export interface KnownHostsService {
  /** Entries matching `host`/`[host]:port` (all entries of the app's file when omitted). */
  list(host?: string, port?: number): Promise<readonly KnownHostEntry[]>;
  /** Removes the key(s) of host:port from the app's own known_hosts; returns how many. */
  remove(host: string, port?: number): Promise<number>;
}

export interface SecretsStatus {
  readonly available: boolean;
  /** Plain words when unavailable (keychain-unavailable warning). */
  readonly reason: string;
}

// ---------------------------------------------------------------- the facade

export interface Services {
  readonly hosts: HostsService;
  /** `hostId` is a HostEntry id or a destination (`alias`, `[user@]host[:port]`, `local`). */
  connect(hostId: string, prompts: Prompts, options?: ConnectOptions): Promise<Session>;
  readonly capture: CaptureService;
  readonly library: LibraryService;
  export(captureId: string, options: ExportOptions): Promise<ExportedFile>;
  readonly knownHosts: KnownHostsService;
  secretsStatus(): Promise<SecretsStatus>;
  /** Closes every session and capture (captures in progress are saved as interrupted). */
  close(): Promise<void>;
}

export interface ServicesConfig {
  /** Library, app hosts, app known_hosts ($XDG_DATA_HOME/emberscope, EMBERSCOPE_DATA_DIR). */
  readonly dataDir?: string;
  /** ~/.ssh/config (CLI -F). */
  readonly sshConfigPath?: string;
  /** The user's known_hosts files read in addition to the app's (default ~/.ssh/known_hosts). */
  readonly userKnownHosts?: readonly string[];
  /** The app's own known_hosts file (CLI --known-hosts; default <dataDir>/known_hosts). */
  readonly appKnownHosts?: string;
  /** dist/ with manifest.json, agent/agent.cjs (default: found next to the running bundle). */
  readonly distDir?: string;
  /** Keychain service name (tests use their own). Default 'emberscope'. */
  readonly keychainService?: string;
  /** Log lines for the agent's stderr and diagnostics (never secrets). */
  readonly log?: (line: string) => void;
  /** debuginfod servers the desktop asks for symbols the host lacks (the app's setting; default DEBUGINFOD_URLS). */
  readonly debuginfodUrls?: readonly string[];
  /**
   * SSH transport: 'openssh' (the user's own ssh client, one master connection per host),
   * 'builtin' (ssh2, the default), 'auto' (OpenSSH where an ssh client exists). Default from
   * EMBERSCOPE_SSH_TRANSPORT, else 'builtin': OpenSSH is opt-in until the whole suite has run over it.
   */
  readonly sshTransport?: 'auto' | 'openssh' | 'builtin';
  /** The ssh binary (default `ssh` from PATH). */
  readonly sshPath?: string;
  /** OpenSSH's ControlPath directory (default $XDG_RUNTIME_DIR/emberscope/ssh), made 0700. */
  readonly controlDir?: string;
  /** Keep master connections for ControlPersist after close (the CLI: the next command reuses it). */
  readonly keepMasters?: boolean;
  /** ControlPersist in seconds (default 60). */
  readonly controlPersistSeconds?: number;
}
