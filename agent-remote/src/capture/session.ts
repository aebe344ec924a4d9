// One capture: starts the sampler, parses its records, symbolizes and aggregates them, and
// streams CaptureEvents (started, delta per interval, ended). Host-side strict redaction
// (request or root-owned policy) runs core/redaction on every delta before it is sent.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { accessSync, constants, createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { EmberError, type ErrorCode } from '../../../core/errors';
import {
  EndReason,
  type CaptureDelta,
  type CaptureEvent,
  type CaptureOptions,
  type CaptureStarted,
  type ProcessEvidence,
  type SamplerInfo,
} from '../../../core/protocol/generated/emberscope.generated';
import { normalizeCaptureOptions } from '../../../core/protocol/options';
import { deltaToCore, frameKindFromCore, frameStatusFromCore } from '../../../core/protocol/convert';
import { Redactor, isPreset } from '../../../core/redaction';
import { capNames, processEvidence } from '../caps';
import { log } from '../log';
import { readPolicy } from '../policy';
import { FLAG_BUILD_ID, FLAG_KERNEL_STACKS, FLAG_MAPS, RecordParser, type CapsRecord, type HeaderRecord, type SamplerRecord, type StatsRecord } from '../sampler/records';
import { parseKallsyms } from '../symbolize/kallsyms';
import { Symbolizer } from '../symbolize/symbolizer';
import { Aggregator, type AggregatorTotals } from './aggregator';
import { splitDelta } from './split';
import { samplerTargetArgs } from './target';

export const SAMPLER_NAME = 'emberscope-sampler';
const SAMPLER_ERROR_CODES: readonly ErrorCode[] = ['NO_BTF', 'EPERM', 'KERNEL_TOO_OLD', 'PERF_EVENT_OPEN', 'FILE_CAPS_IGNORED'];

export interface CaptureSummary {
  id: string;
  totals: AggregatorTotals;
  binaries: string[];
  endedAt: number;
}

export type Send = (event: CaptureEvent) => Promise<void>;

/** Where the sampler is: the request, $EMBERSCOPE_SAMPLER, or next to the agent bundle. */
export function defaultSamplerPath(): string {
  const env = process.env['EMBERSCOPE_SAMPLER'];
  if (env) return env;
  const self = process.argv[1] ?? '';
  return join(dirname(self), SAMPLER_NAME);
}

function samplerErrorCode(code: string): ErrorCode {
  return (SAMPLER_ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'SAMPLER_FAILED';
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve())
      .on('error', reject);
  });
  return h.digest('hex');
}

/** The sampler's process evidence: /proc/PID/status, with the sets of its CAPS record when /proc is not readable. */
function samplerProcessEvidence(pid: number, caps: CapsRecord | undefined): ProcessEvidence {
  const ev = processEvidence('sampler', pid);
  if (ev.present || !caps) return ev;
  return {
    ...ev,
    present: true,
    error: `${ev.error}; capability sets from the sampler's own report`,
    noNewPrivs: caps.noNewPrivs,
    caps: {
      inheritable: caps.inheritable,
      permitted: caps.permitted,
      effective: caps.effective,
      bounding: caps.bounding,
      ambient: caps.ambient,
      effectiveNames: capNames(caps.effective),
      permittedNames: capNames(caps.permitted),
      ambientNames: capNames(caps.ambient),
    },
  };
}

export class CaptureSession {
  readonly id = randomUUID();
  readonly options: CaptureOptions;
  private child: ChildProcessWithoutNullStreams | undefined;
  private stopping = false;
  private reason: EndReason = EndReason.END_REASON_UNSPECIFIED;
  private readonly redactor: Redactor | undefined;
  private readonly strictReason: string;
  private readonly notes: string[] = [];
  readonly symbolizer: Symbolizer;
  private readonly agg: Aggregator;
  private readonly samplerPath: string;
  private stopTimers: NodeJS.Timeout[] = [];
  private samplerSha = '';
  private resolveDone: () => void = () => undefined;
  /** Resolves when run() has finished (whatever the outcome). */
  readonly done: Promise<void> = new Promise<void>((r) => (this.resolveDone = r));

  get isStopping(): boolean {
    return this.stopping;
  }

  constructor(options: CaptureOptions | undefined) {
    if (!options) throw new EmberError('BAD_OPTIONS', 'StartCapture needs options.');
    this.options = normalizeCaptureOptions(options);
    const policy = readPolicy();
    if (policy.present && !policy.honored) this.notes.push(`host policy ${policy.path} ${policy.reason}`);
    const red = this.options.redaction ?? { strict: false, preset: '', patterns: [] };
    const byPolicy = policy.honored && policy.strict;
    if (red.strict || byPolicy) {
      const preset = (byPolicy && policy.preset) || red.preset || 'strict';
      if (!isPreset(preset) || preset === 'none') throw new EmberError('BAD_OPTIONS', `Strict redaction needs a preset other than none, not ${JSON.stringify(preset)}.`);
      // The masking key is random and never leaves the host: masked names cannot be reversed.
      this.redactor = new Redactor({ preset, patterns: [...red.patterns, ...(byPolicy ? policy.patterns : [])], key: randomBytes(32) });
      this.strictReason = byPolicy ? 'policy' : 'request';
    } else {
      this.strictReason = '';
    }
    this.samplerPath = this.options.sampler?.path || defaultSamplerPath();
    this.symbolizer = new Symbolizer({ kernelSymbols: true });
    this.agg = new Aggregator(this.options.limits ?? { maxStacks: 100_000, maxFrames: 200_000, maxFramesPerStack: 256, maxMessageBytes: 4 << 20 }, this.symbolizer);
  }

  get samplerPid(): number | undefined {
    return this.child?.pid;
  }

  stop(reason: EndReason = EndReason.END_REASON_STOPPED): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.reason === EndReason.END_REASON_UNSPECIFIED) this.reason = reason;
    const c = this.child;
    if (!c) return;
    // Closing stdin ends the sampler (it writes its final batch); then SIGTERM, then SIGKILL.
    c.stdin.end();
    this.stopTimers.push(
      setTimeout(() => {
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      }, 3000),
      setTimeout(() => {
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }, 8000),
    );
  }

  private samplerArgs(targetArgs: string[]): { cmd: string; args: string[] } {
    const o = this.options;
    const args = ['--hz', String(o.hz), '--interval-ms', String(o.intervalMs), '--maps'];
    if (o.seconds > 0) args.push('--duration', String(o.seconds));
    if (o.buildIdFrames) args.push('--build-id');
    if (!o.kernelStacks) args.push('--no-kernel-stacks');
    // Opted into kernel symbols: the sampler reads them while it holds CAP_SYSLOG (KALLSYMS record).
    else if (o.kernelSymbols) args.push('--kallsyms');
    for (const p of o.excludePids) args.push('--exclude-pid', String(p));
    args.push(...targetArgs);
    const s = o.sampler;
    const uid = process.getuid?.() ?? -1;
    if (s?.useSetpriv && uid === 0) {
      const caps = ['bpf', 'perfmon', ...(o.kernelSymbols ? ['syslog'] : [])];
      const plus = caps.map((c) => `+${c}`).join(',');
      return {
        cmd: 'setpriv',
        args: [
          `--reuid=${s.setprivUid}`, `--regid=${s.setprivGid || s.setprivUid}`, '--clear-groups',
          `--inh-caps=-all,${plus}`, `--ambient-caps=${plus}`, `--bounding-set=-all,${plus}`,
          '--no-new-privs', '--', this.samplerPath, ...args,
        ],
      };
    }
    return { cmd: this.samplerPath, args };
  }

  async run(send: Send): Promise<CaptureSummary> {
    try {
      return await this.runInner(send);
    } finally {
      this.resolveDone();
    }
  }

  private async runInner(send: Send): Promise<CaptureSummary> {
    const started = Date.now();
    try {
      accessSync(this.samplerPath, constants.X_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new EmberError(
        code === 'ENOENT' ? 'SETUP_MISSING' : 'EPERM',
        code === 'ENOENT'
          ? `The sampler is not installed at ${this.samplerPath}: run setup first.`
          : `The sampler at ${this.samplerPath} cannot be executed by this user (${code ?? 'error'}): is the user in the emberscope group?`,
        { path: this.samplerPath },
      );
    }
    this.samplerSha = await sha256File(this.samplerPath).catch(() => '');
    const { args: targetArgs } = samplerTargetArgs(this.options.target, [process.pid]);
    const { cmd, args } = this.samplerArgs(targetArgs);
    log('info', `capture ${this.id}: ${cmd} ${args.join(' ')}`);
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' } });
    this.child = child;
    if (this.stopping) child.stdin.end();
    child.stdin.on('error', () => undefined);

    const stderrTail: string[] = [];
    let stderrCode: { code: string; message: string } | undefined;
    // For messages: the sampler's last error line (`CODE: words`), else its last lines that are not info.
    let lastCoded = '';
    const stderrWhy = (): string =>
      lastCoded || stderrTail.filter((l) => !/^emberscope-sampler: (info|debug|verbose):/.test(l)).slice(-2).join(' | ').slice(0, 300) || 'no output';
    let errBuf = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      errBuf += chunk;
      let i: number;
      while ((i = errBuf.indexOf('\n')) >= 0) {
        const line = errBuf.slice(0, i).slice(0, 1000);
        errBuf = errBuf.slice(i + 1);
        stderrTail.push(line);
        if (stderrTail.length > 20) stderrTail.shift();
        log('debug', `sampler: ${line}`);
        const m = /^emberscope-sampler: ([A-Z_]+): (.*)$/.exec(line);
        if (m) lastCoded = `${m[1] ?? ''}: ${m[2] ?? ''}`;
        if (m && (SAMPLER_ERROR_CODES as readonly string[]).includes(m[1] ?? '')) stderrCode = { code: m[1] ?? '', message: m[2] ?? '' };
      }
      if (errBuf.length > 8192) errBuf = errBuf.slice(-8192);
    });

    const parser = new RecordParser();
    const queue: CaptureEvent[] = [];
    let wake: (() => void) | undefined;
    let header: HeaderRecord | undefined;
    let errorRecord: { code: string; message: string } | undefined;
    let parseError: EmberError | undefined;
    let sawEnd = false;
    /** The sampler's own total (its END record): lets the app check that every interval arrived. */
    let samplerTotal: number | undefined;
    let done = false;
    let startedSent = false;
    let rejectStart: ((e: EmberError) => void) | undefined;
    const maxBytes = this.options.limits?.maxMessageBytes ?? 4 << 20;

    const push = (ev: CaptureEvent): void => {
      queue.push(ev);
      if (queue.length > 64) child.stdout.pause();
      wake?.();
    };
    const pushDelta = (stats: StatsRecord | undefined): void => {
      const delta = this.redact(this.agg.takeDelta(stats, Date.now()));
      const parts = splitDelta(delta, maxBytes);
      if (parts.length > 1) this.agg.noteSplit(parts.length - 1);
      for (const p of parts) push({ event: { $case: 'delta', value: p } });
    };

    let pendingHeader: HeaderRecord | undefined;
    let samplerCaps: CapsRecord | undefined;
    const sendStarted = (): void => {
      if (!pendingHeader) return;
      push({ event: { $case: 'started', value: this.startedEvent(pendingHeader, child.pid ?? 0, samplerCaps) } });
      pendingHeader = undefined;
      startedSent = true;
    };
    const onRecord = (r: SamplerRecord): void => {
      // The started event waits for the sampler's capabilities after its drop (CAPS stage 1),
      // or for the first record of another kind (samplers without CAPS records).
      if (pendingHeader && r.type !== 'caps') sendStarted();
      switch (r.type) {
        case 'header':
          header = r;
          pendingHeader = r;
          break;
        case 'caps':
          samplerCaps = r;
          if (r.stage >= 1) sendStarted();
          break;
        case 'stack':
          this.agg.onStack(r);
          break;
        case 'maps':
          if (!r.unreadable) this.agg.onMaps(r.tgid, r.text);
          break;
        case 'kallsyms':
          this.symbolizer.setKernelSymbols(parseKallsyms(r.text));
          break;
        case 'count':
          this.agg.onCount(r);
          break;
        case 'stats':
          pushDelta(r);
          break;
        case 'end':
          sawEnd = true;
          samplerTotal = r.totalSamples;
          if (r.reason === 0 && this.reason === EndReason.END_REASON_UNSPECIFIED) this.reason = EndReason.END_REASON_DURATION;
          break;
        case 'error':
          errorRecord = { code: r.code, message: r.message };
          break;
        case 'unknown':
          break;
      }
    };

    child.stdout.on('data', (chunk: Buffer) => {
      if (parseError) return;
      for (const r of parser.push(chunk)) onRecord(r);
      if (parser.error) {
        parseError = parser.error;
        log('error', `capture ${this.id}: ${parseError.message}`);
        this.stop(EndReason.END_REASON_ERROR);
        this.reason = EndReason.END_REASON_ERROR;
      }
    });

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
      child.on('error', (e) => resolve({ code: null, signal: null, spawnError: e }));
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    void exited.then(() => {
      done = true;
      wake?.();
    });
    if (this.options.seconds > 0) {
      const t = setTimeout(() => this.stop(EndReason.END_REASON_DURATION), (this.options.seconds + 15) * 1000);
      this.stopTimers.push(t);
    }

    // Sender loop: sends queued events in order with backpressure until the sampler is gone.
    const startFailure = new Promise<never>((_, reject) => (rejectStart = reject));
    startFailure.catch(() => undefined);
    try {
      for (;;) {
        while (queue.length > 0) {
          const ev = queue.shift();
          if (ev) await send(ev);
          if (queue.length < 16) child.stdout.resume();
        }
        if (done) break;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      for (const t of this.stopTimers) clearTimeout(t);
      this.stopTimers = [];
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    void rejectStart;
    const exit = await exited;
    if (pendingHeader) {
      sendStarted();
      while (queue.length > 0) {
        const ev = queue.shift();
        if (ev) await send(ev);
      }
    }
    if (!parseError) {
      try {
        parser.end();
      } catch (e) {
        parseError = e as EmberError;
      }
    }

    if (!startedSent) {
      if (exit.spawnError) throw new EmberError('SAMPLER_FAILED', `The sampler could not be started: ${exit.spawnError.message}`);
      const src = errorRecord ?? stderrCode;
      if (src) throw new EmberError(samplerErrorCode(src.code), src.message || src.code, { sampler: 'error' });
      if (parseError) throw parseError;
      if (this.stopping) throw new EmberError('CANCELLED', 'The capture was stopped before the sampler started.');
      throw new EmberError('SAMPLER_FAILED', `The sampler exited (${exit.code ?? exit.signal ?? '?'}) before it started: ${stderrWhy()}`);
    }

    // Anything counted after the last STATS (a sampler killed mid-interval) still goes out.
    const leftovers = this.agg.takeDelta(undefined, Date.now());
    if (leftovers.counts.length > 0 || leftovers.frames.length > 0 || leftovers.stacks.length > 0) {
      for (const p of splitDelta(this.redact(leftovers), maxBytes)) await send({ event: { $case: 'delta', value: p } });
    }
    let error: EmberError | undefined = parseError;
    if (!error && errorRecord) error = new EmberError(samplerErrorCode(errorRecord.code), errorRecord.message || errorRecord.code);
    if (!error && !sawEnd && !this.stopping && (exit.code ?? 1) !== 0) {
      const src = stderrCode;
      error = src
        ? new EmberError(samplerErrorCode(src.code), src.message)
        : new EmberError('SAMPLER_FAILED', `The sampler exited (${exit.code ?? exit.signal ?? '?'}) during the capture: ${stderrWhy()}`);
    }
    let reason = this.reason;
    if (error) reason = EndReason.END_REASON_ERROR;
    else if (reason === EndReason.END_REASON_UNSPECIFIED) reason = sawEnd ? EndReason.END_REASON_DURATION : EndReason.END_REASON_SAMPLER_EXITED;
    const t = this.agg.totals;
    await send({
      event: {
        $case: 'ended',
        value: {
          reason,
          totalSamples: samplerTotal ?? t.samples,
          totalLost: undefined,
          totalOverflow: t.overflow,
          symbolization: t.symbolization,
          error: error ? { code: error.code, message: error.message, detail: {} } : undefined,
          durationMs: Date.now() - started,
          samplerStderrTail: this.redactor ? '' : stderrTail.join('\n').slice(-4000),
        },
      },
    });
    void header;
    return {
      id: this.id,
      totals: t,
      binaries: this.symbolizer.seenBinaries().map((b) => b.path).slice(0, 1000),
      endedAt: Date.now(),
    };
  }

  private startedEvent(h: HeaderRecord, pid: number, caps: CapsRecord | undefined): CaptureStarted {
    const sha = this.samplerSha;
    const sampler: SamplerInfo = {
      pid: h.samplerPid || pid,
      formatVersion: h.version,
      hz: h.hz,
      ncpus: h.ncpus,
      maxDepth: h.maxDepth,
      buildIdFrames: (h.flags & FLAG_BUILD_ID) !== 0,
      kernelStacks: (h.flags & FLAG_KERNEL_STACKS) !== 0,
      maps: (h.flags & FLAG_MAPS) !== 0,
      startMonoNs: Number(h.startMonoNs),
      startTimeMs: Number(h.startRealNs / 1_000_000n),
      path: this.samplerPath,
      sha256: sha,
    };
    return {
      captureId: this.id,
      sampler,
      effectiveOptions: this.options,
      agent: processEvidence('agent', process.pid),
      samplerProcess: samplerProcessEvidence(h.samplerPid || pid, caps),
      strictRedaction: this.redactor !== undefined,
      strictReason: this.strictReason,
      notes: this.notes,
    };
  }

  /** Strict mode: core/redaction on the delta; raw symbols, exe paths and process lists dropped. */
  private redact(delta: CaptureDelta): CaptureDelta {
    const r = this.redactor;
    if (!r) return delta;
    const red = r.redactDelta(deltaToCore(delta));
    const byId = new Map(red.newFrames.map((f) => [f.id, f.frame]));
    const truncated = new Set(delta.stacks.filter((s) => s.truncated).map((s) => s.id));
    return {
      ...delta,
      frames: delta.frames.map((f) => {
        const x = byId.get(f.id);
        if (!x) return { ...f, mangled: '' };
        return {
          id: f.id,
          name: x.name,
          module: x.module,
          buildId: x.buildId,
          file: x.file,
          line: x.line,
          address: x.address,
          kind: frameKindFromCore(x.kind),
          status: frameStatusFromCore(x.status),
          mangled: '',
        };
      }),
      stacks: red.newStacks.map((s) => ({ id: s.id, frameIds: [...s.frames], truncated: truncated.has(s.id) })),
      counts: red.counts.map((c) => ({ stackId: c.stackId, pid: c.pid, tid: c.tid, comm: c.comm, count: c.count })),
      processes: [],
    };
  }
}
