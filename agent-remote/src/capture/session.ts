// One capture: starts the sampler, pumps its records through the symbolizer and aggregator, and
// streams CaptureEvents (started, delta per interval, ended). Host-side strict redaction
// (request or root-owned policy) runs core/redaction on every delta before it goes out as a
// wire message. The parts: sampler-process (the child), record-pump (its records),
// event-queue (ordered sends with backpressure), classify (why it ended badly).
import { randomBytes, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { EmberError } from '../../../core/errors';
import type { AgentDelta } from '../../../core/protocol/convert';
import {
  EndReason,
  type CaptureEvent,
  type CaptureOptions,
  type CaptureStarted,
  type ProcessEvidence,
  type SamplerInfo,
} from '../../../core/protocol/generated/emberscope.generated';
import { normalizeCaptureOptions } from '../../../core/protocol/options';
import { Redactor, isPreset } from '../../../core/redaction';
import { capNames, processEvidence } from '../caps';
import { log } from '../log';
import { readPolicy } from '../policy';
import { FLAG_BUILD_ID, FLAG_KERNEL_STACKS, FLAG_MAPS, type CapsRecord, type HeaderRecord } from '../sampler/records';
import { Symbolizer } from '../symbolize/symbolizer';
import { Aggregator, type AggregatorTotals } from './aggregator';
import { endReason, whyCaptureFailed, whyNotStarted, type SamplerOutcome } from './classify';
import { EventQueue, type Send } from './event-queue';
import { RecordPump } from './record-pump';
import { assertRunnable, sha256File, SamplerProcess, type SamplerExit } from './sampler-process';
import { wireDeltas } from './split';
import { samplerTargetArgs } from './target';

export type { Send } from './event-queue';

export const SAMPLER_NAME = 'emberscope-sampler';

export interface CaptureSummary {
  id: string;
  totals: AggregatorTotals;
  binaries: string[];
  endedAt: number;
}

/** Where the sampler is: the request, $EMBERSCOPE_SAMPLER, or next to the agent bundle. */
export function defaultSamplerPath(): string {
  const env = process.env['EMBERSCOPE_SAMPLER'];
  if (env) return env;
  const self = process.argv[1] ?? '';
  return join(dirname(self), SAMPLER_NAME);
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
  private sampler: SamplerProcess | undefined;
  private stopping = false;
  private reason: EndReason = EndReason.END_REASON_UNSPECIFIED;
  private readonly redactor: Redactor | undefined;
  private readonly strictReason: string;
  private readonly notes: string[] = [];
  readonly symbolizer: Symbolizer;
  private readonly agg: Aggregator;
  private readonly samplerPath: string;
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
    return this.sampler?.pid;
  }

  stop(reason: EndReason = EndReason.END_REASON_STOPPED): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.reason === EndReason.END_REASON_UNSPECIFIED) this.reason = reason;
    this.sampler?.stop();
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
      return await this.capture(send);
    } finally {
      this.resolveDone();
    }
  }

  private async capture(send: Send): Promise<CaptureSummary> {
    const startedAt = Date.now();
    assertRunnable(this.samplerPath);
    this.samplerSha = await sha256File(this.samplerPath).catch(() => '');
    const sampler = this.spawnSampler();
    const queue = new EventQueue({ pause: () => sampler.pauseOutput(), resume: () => sampler.resumeOutput() });
    const pump = this.recordPump(sampler, queue);
    sampler.onOutput((chunk) => pump.push(chunk));
    void sampler.exited.then(() => queue.close());

    const guard = this.options.seconds > 0 ? setTimeout(() => this.stop(EndReason.END_REASON_DURATION), (this.options.seconds + 15) * 1000) : undefined;
    try {
      await queue.drain(send);
    } finally {
      clearTimeout(guard);
      sampler.dispose();
    }
    const exit = await sampler.exited;
    pump.finish();
    await queue.drain(send);

    const outcome = this.outcome(pump, sampler, exit);
    if (!pump.startedSent) throw whyNotStarted(outcome);
    // Anything counted after the last STATS (a sampler killed mid-interval) still goes out.
    const leftovers = this.agg.takeDelta(undefined, Date.now());
    if (leftovers.counts.length > 0 || leftovers.newFrames.length > 0 || leftovers.newStacks.length > 0) {
      for (const event of this.deltaEvents(leftovers)) await send(event);
    }
    const error = whyCaptureFailed(outcome);
    await send(this.endedEvent(error, pump, sampler, Date.now() - startedAt));
    return {
      id: this.id,
      totals: this.agg.totals,
      binaries: this.symbolizer.seenBinaries().map((b) => b.path).slice(0, 1000),
      endedAt: Date.now(),
    };
  }

  private spawnSampler(): SamplerProcess {
    const { args: targetArgs } = samplerTargetArgs(this.options.target, [process.pid]);
    const { cmd, args } = this.samplerArgs(targetArgs);
    log('info', `capture ${this.id}: ${cmd} ${args.join(' ')}`);
    const sampler = new SamplerProcess(cmd, args);
    this.sampler = sampler;
    if (this.stopping) sampler.stop();
    return sampler;
  }

  private recordPump(sampler: SamplerProcess, queue: EventQueue): RecordPump {
    return new RecordPump(this.agg, this.symbolizer, {
      started: (header, caps) => queue.push({ event: { $case: 'started', value: this.startedEvent(header, sampler.pid ?? 0, caps) } }),
      interval: (stats) => {
        for (const event of this.deltaEvents(this.agg.takeDelta(stats, Date.now()))) queue.push(event);
      },
      end: (record) => {
        if (record.reason === 0 && this.reason === EndReason.END_REASON_UNSPECIFIED) this.reason = EndReason.END_REASON_DURATION;
      },
      broken: (error) => {
        log('error', `capture ${this.id}: ${error.message}`);
        this.stop(EndReason.END_REASON_ERROR);
        this.reason = EndReason.END_REASON_ERROR;
      },
    });
  }

  private outcome(pump: RecordPump, sampler: SamplerProcess, exit: SamplerExit): SamplerOutcome {
    return {
      spawnError: exit.spawnError?.message,
      exitCode: exit.code,
      signal: exit.signal,
      errorRecord: pump.errorRecord,
      stderrError: sampler.stderr.knownError,
      parseError: pump.parseError,
      sawEnd: pump.sawEnd,
      stopping: this.stopping,
      stderrWhy: sampler.stderr.why(),
    };
  }

  /** The delta as wire messages: strict redaction, conversion, split under the message bound. */
  private deltaEvents(delta: AgentDelta): CaptureEvent[] {
    const parts = wireDeltas(this.redact(delta), this.options.limits?.maxMessageBytes ?? 4 << 20);
    if (parts.length > 1) this.agg.noteSplit(parts.length - 1);
    return parts.map((value) => ({ event: { $case: 'delta', value } }));
  }

  private endedEvent(error: EmberError | undefined, pump: RecordPump, sampler: SamplerProcess, durationMs: number): CaptureEvent {
    const t = this.agg.totals;
    return {
      event: {
        $case: 'ended',
        value: {
          reason: endReason(this.reason, error, pump.sawEnd),
          totalSamples: pump.samplerTotal ?? t.samples,
          totalLost: undefined,
          totalOverflow: t.overflow,
          symbolization: t.symbolization,
          error: error ? { code: error.code, message: error.message, detail: {} } : undefined,
          durationMs,
          samplerStderrTail: this.redactor ? '' : sampler.stderr.tailText(),
        },
      },
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

  /** Strict mode: core/redaction on the delta; raw symbols and process lists dropped. */
  private redact(delta: AgentDelta): AgentDelta {
    const r = this.redactor;
    if (!r) return delta;
    const red = r.redactDelta(delta);
    const truncated = new Set(delta.newStacks.filter((s) => s.truncated).map((s) => s.id));
    return {
      ...delta,
      newFrames: red.newFrames.map((f) => ({ ...f, mangled: '' })),
      newStacks: red.newStacks.map((s) => ({ ...s, truncated: truncated.has(s.id) })),
      counts: red.counts,
      processes: [],
    };
  }
}
