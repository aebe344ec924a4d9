// The plain-data types of the API between the UI and the desktop services: every argument,
// result and event is JSON-safe and structured-clone safe. The services (electron/services),
// the API backend and preload (electron/api, electron/preload.ts), the renderer, the CLI and the
// tests all import them from here. Stable: extended only by adding optional members.
import type { ErrorCode } from '../errors';
import type { SymbolSourceCounts } from '../profile/sources';
import type { Severity } from '../warnings/catalogue';

export type { Profile } from '../profile/types';
export type { Severity } from '../warnings/catalogue';
export type { RedactionPreset } from '../redaction/rules';
export type { RedactionSettings } from '../redaction/settings';
export type { CaptureOptions, CaptureTarget } from '../capture/options';

// ---------------------------------------------------------------- hosts

export type HostSource = 'ssh-config' | 'app' | 'local';

export interface HostEntry {
  /** Stable id: `local`, `ssh:<alias>` for ssh_config hosts, `app:<uuid>` for app hosts. */
  readonly id: string;
  /** What the user calls the host (ssh_config alias, their label, "This machine"). */
  readonly label: string;
  readonly source: HostSource;
  /** Resolved HostName ('' for local). */
  readonly hostName: string;
  /** Resolved user ('' = the local user name). */
  readonly user: string;
  /** 0 = default (22). */
  readonly port: number;
  /** The first of `identityFiles` ('' = none), kept for clients that show one key. */
  readonly identityFile: string;
  /** ProxyJump value as written ('' = direct), e.g. `bastion` or `a@b:2222,c`. */
  readonly proxyJump: string;
  /** Only hosts added in the app can be edited or removed. */
  readonly editable: boolean;
  /** Every IdentityFile, in the order ssh tries them (OpenSSH keeps a list). */
  readonly identityFiles?: readonly string[];
  /** CertificateFile list (the built-in ssh2 transport cannot use certificates). */
  readonly certificateFiles?: readonly string[];
  /** Whether the connection goes through a ProxyCommand (the command is not shown: it may hold tokens). */
  readonly hasProxyCommand?: boolean;
  /** known_hosts files checked for this host (UserKnownHostsFile, then GlobalKnownHostsFile). */
  readonly knownHostsFiles?: readonly string[];
  /** HostKeyAlias ('' or absent = none): the name the host key is looked up under. */
  readonly hostKeyAlias?: string;
  /** Who resolved the settings: OpenSSH's `ssh -G`, or the built-in parser where no ssh exists. */
  readonly configSource?: 'openssh' | 'fallback';
  /** Why the settings could not be resolved as OpenSSH would (shown instead of wrong values). */
  readonly configProblem?: string;
  /** The SSH transport a connection to it uses: the user's OpenSSH client, or the built-in ssh2. */
  readonly transport?: SshTransport;
}

export type SshTransport = 'openssh' | 'builtin' | 'local';

export interface HostInput {
  /** Present when editing an existing app host. */
  readonly id?: string;
  readonly label: string;
  readonly hostName: string;
  readonly user: string;
  readonly port: number;
  readonly identityFile: string;
  readonly proxyJump: string;
}

// ---------------------------------------------------------------- connection, posture, setup

export interface ConnectionInfo {
  readonly hostId: string;
  readonly hostLabel: string;
  readonly user: string;
  /** `SHA256:...` of the host key that was accepted; '' for This machine. */
  readonly hostKeyFingerprint: string;
  readonly kernel: string;
  readonly arch: string;
  readonly isRoot: boolean;
  /** Which transport carries the connection. */
  readonly transport?: SshTransport;
}

export interface WarningView {
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  readonly evidence: string;
  readonly why: string;
  readonly remediation: string;
}

/** JSON-safe value (the agent's posture evidence is carried as such). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface CheckReport {
  readonly hostId: string;
  readonly kernel: string;
  readonly user: string;
  /** The posture evidence as the agent reported it (PostureReply, JSON form). */
  readonly evidence: JsonValue;
  readonly warnings: readonly WarningView[];
  /** True when at least one warning is a blocker (CLI `check` exits 2). */
  readonly hasBlocker: boolean;
  /** Capabilities a capture will use, e.g. ['CAP_BPF', 'CAP_PERFMON']. */
  readonly capabilities: readonly string[];
  readonly setupInstalled: boolean;
  /** Path of the installed sampler ('' when not installed). */
  readonly samplerPath: string;
}

export interface SetupOptions {
  /** Add CAP_SYSLOG (kernel symbols at perf_event_paranoid=2). */
  readonly kernelSymbols: boolean;
  /** Explicit consent to CAP_SYS_ADMIN on kernels older than 5.8. */
  readonly allowSysAdmin: boolean;
}

export interface SetupPlan {
  readonly hostId: string;
  /** The exact commands, in order, as they will run on the host (as root). */
  readonly commands: readonly string[];
  /** 'root' (connected as root), 'sudo-n' (passwordless sudo) or 'sudo-S' (password asked). */
  readonly via: 'root' | 'sudo-n' | 'sudo-S';
  readonly installDir: string;
  readonly notes: readonly string[];
}

export interface SetupResult {
  readonly ok: boolean;
  /** Verification lines: getcap, owner, mode, group membership. */
  readonly report: readonly string[];
}

// ---------------------------------------------------------------- captures and the library

export interface CaptureSummary {
  readonly id: string;
  readonly title: string;
  /** Host label, or '' for an imported file. */
  readonly host: string;
  readonly source: 'capture' | 'import';
  readonly startedMs: number;
  readonly durationMs: number;
  readonly samples: number;
  readonly lost: number;
  readonly interrupted: boolean;
  /** Redaction applied before the capture was stored ('none' when unredacted). */
  readonly redaction: string;
  /** Which table named its frames and why the others stayed unnamed (captures saved since issue 16). */
  readonly symbolSources?: SymbolSourceCounts;
}

export type ExportFormat = 'pprof' | 'folded';

/** An error as plain data: a stable code and one line in plain words. */
export interface ApiErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
}
