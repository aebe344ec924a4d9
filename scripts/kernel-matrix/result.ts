// What the guest reports (one `EMBER-MATRIX {json}` line on the serial console), and the
// matrix table made of it.

export interface Refusal {
  /** the sampler run directly: its exit code (NO_BTF is 3), signal, stderr, stdout size */
  exitCode: number;
  signal: string;
  stderr: string;
  stdoutBytes: number;
  /** the same through the agent: the capture's error code */
  agentCode?: string;
  agentMessage?: string;
  bpfProgramsAfter?: string[];
}

export interface WorkloadResult {
  user: string;
  samples: number;
  lostUserStack: number;
  /** share of its samples (user stack not lost) whose leaf is one of its three functions */
  symbolizedShare: number;
  /** the three functions' shares (design 50 : 30 : 20) */
  split: number[];
  leaves: Record<string, number>;
}

export interface GuestResult {
  mode: 'capture' | 'no-btf';
  release: string;
  /** the guest's `uname -m` (the driver's os.machine()) */
  machine?: string;
  btf: boolean;
  lockdown: string;
  /** kernel.perf_event_paranoid during the capture */
  paranoid: number;
  /** the first try at the kernel's default perf_event_paranoid, when that refused (Debian: 3) */
  atDefault?: { paranoid: number; error: string; warnings: string[] };
  /** the capture failed with EPERM (map creation: RLIMIT_MEMLOCK before 5.11) and was retried with memlock unlimited */
  memlock?: { before: string; after?: string; error: string };
  /** posture warnings as `id:severity` */
  warnings: string[];
  /** the sampler loaded, attached and the capture ended without an error */
  loaded: boolean;
  /** all samples of the capture */
  samples: number;
  /** the workload processes: [another user's, the agent's user's] */
  workloads: WorkloadResult[];
  /** a process holding only CAP_PERFMON (as the agent's user) opening the other user's workload's /proc/PID/maps */
  otherUsersMapsWithPerfmon?: string;
  /** when the capture failed: the last lines of `emberscope-sampler --verbose` (libbpf's log) */
  verboseTail?: string;
  /** the capture's end: the sampler's stderr tail, the agent's symbolization counts */
  samplerStderr?: string;
  symbolization?: Record<string, number>;
  notes: string[];
  bpfProgramsAfter?: string[];
  refusal?: Refusal;
  error?: string;
}

export interface MatrixRow {
  kernel: string;
  arch: string;
  /** what the row tests */
  mode: GuestResult['mode'];
  result: GuestResult | undefined;
  /** serial output lines that matter when there is no result */
  failure?: string;
  seconds: number;
}

export function parseGuestOutput(serial: string): GuestResult | undefined {
  const line = serial.split(/\r?\n/).find((l) => l.startsWith('EMBER-MATRIX '));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice('EMBER-MATRIX '.length)) as GuestResult;
  } catch {
    return undefined;
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

const codeOf = (error: string): string => error.split(':')[0] ?? '?';

function loadedCell(row: MatrixRow): string {
  const r = row.result;
  if (!r) return `no result (${row.failure ?? 'no output'})`;
  if (r.mode === 'no-btf') {
    const f = r.refusal;
    const code = /emberscope-sampler: ([A-Z_]+):/.exec(f?.stderr ?? '')?.[1] ?? '?';
    return `refused: exit ${f?.exitCode ?? '?'} ${code}, nothing written, no BPF program left; agent: ${f?.agentCode ?? '?'}`;
  }
  // The tries, in order: as installed, then what an administrator would change.
  const tries: string[] = [];
  if (r.atDefault) tries.push(`perf_event_paranoid ${r.atDefault.paranoid} (default): ${codeOf(r.atDefault.error)}`);
  if (r.memlock) tries.push(`paranoid ${r.paranoid}, RLIMIT_MEMLOCK ${r.memlock.before.split(' ')[0] ?? '?'} (default): ${codeOf(r.memlock.error)} creating maps`);
  const last = r.memlock ? 'RLIMIT_MEMLOCK unlimited' : `paranoid ${r.paranoid}`;
  const sealed = (r.samplerStderr ?? '').includes('seccomp filter on');
  const outcome = r.loaded
    ? `yes (${last})`
    : `no (${last}): ${sealed ? 'loaded, attached and sealed, then ' : ''}${r.error ?? 'failed'}`;
  return [...tries.map((t) => `${t} →`), outcome].join(' ');
}

function workloadCell(w: WorkloadResult | undefined): string {
  if (!w) return '–';
  return `${w.samples}: ${pct(w.symbolizedShare)} (${w.split.map((x) => (x * 100).toFixed(0)).join(':')})`;
}

export function matrixTable(rows: readonly MatrixRow[]): string {
  const out = [
    "| kernel | arch | BTF | lockdown | loaded? | samples | another user's workload: samples, symbolized (split 50:30:20) | the agent user's workload | warnings | boot + run |",
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const r = row.result;
    const kernel = row.mode === 'no-btf' ? `${row.kernel} (BTF hidden)` : row.kernel;
    const ok = r !== undefined && r.mode === 'capture' && r.loaded;
    out.push(
      `| ${kernel} | ${row.arch} | ${r ? (r.btf ? 'yes' : 'no') : '?'} | ${r?.lockdown || '?'} | ${loadedCell(row)} | ` +
        `${ok ? r.samples : '–'} | ${ok ? workloadCell(r.workloads[0]) + (r.otherUsersMapsWithPerfmon === 'readable' ? '' : ': its /proc/PID/maps not readable with CAP_PERFMON') : '–'} | ${ok ? workloadCell(r.workloads[1]) : '–'} | ` +
        `${r?.warnings.join(', ') || 'none'} | ${row.seconds.toFixed(0)} s |`,
    );
  }
  return out.join('\n');
}

export const README_START = '<!-- kernel-matrix:start -->';
export const README_END = '<!-- kernel-matrix:end -->';

/** Replaces what is between the markers (which must both be there, once). */
export function replaceBetweenMarkers(text: string, content: string): string {
  const a = text.indexOf(README_START);
  const b = text.indexOf(README_END);
  if (a < 0 || b < a || text.indexOf(README_START, a + 1) >= 0) throw new Error(`README needs ${README_START} … ${README_END} once`);
  return text.slice(0, a + README_START.length) + '\n' + content.trim() + '\n' + text.slice(b);
}
