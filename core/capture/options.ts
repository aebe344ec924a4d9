// The capture options a user chooses (UI, CLI, API), as plain data.
export type CaptureTarget =
  | { readonly kind: 'all' }
  | { readonly kind: 'pid'; readonly pid: number }
  | { readonly kind: 'comm'; readonly name: string }
  | { readonly kind: 'cgroup'; readonly path: string };

export interface CaptureOptions {
  /** Samples per second per CPU (1..10000, default 99). */
  readonly hz: number;
  /** 0 = until stopped. */
  readonly seconds: number;
  readonly target: CaptureTarget;
  /** Host-side strict redaction: unredacted names never leave the host. */
  readonly strict: boolean;
  /** Resolve kernel frames (the setup must have opted in to CAP_SYSLOG). */
  readonly kernelSymbols?: boolean;
  /** Extra redaction patterns used with strict host-side redaction. */
  readonly redactPatterns?: readonly string[];
  /** Title in the library (default `<host> <date>`). */
  readonly title?: string;
}
