// Captures: the agent's deltas merged into core's profile model, live progress, stop, cancel,
// several hosts at once; when the connection drops, everything received is saved as interrupted.
import { randomBytes } from 'node:crypto';
import { EmberError, isEmberError } from '../../core/errors';
import { deltaToCore, toErrorCode } from '../../core/protocol/convert';
import { EndReason, type CaptureEvent, type CaptureStarted } from '../../core/protocol/generated/emberscope.generated';
import type { CaptureOptionsInput } from '../../core/protocol/options';
import { ProfileBuilder, type Profile } from '../../core/profile';
import { SAMPLER_GROUP } from '../../core/warnings';
import type { AgentClient } from '../agent-client';
import { nextTurn, runInSteps } from './cooperative';
import type { Library } from './library';
import type { HostSession } from './session';
import { shellQuote } from './ssh';
import type { CaptureHandle, CaptureOptions, CaptureProgress, CaptureResult, CaptureService, Session } from './types';

const NOBODY_UID = 65534;

export function validateCaptureOptions(o: CaptureOptions): void {
  const bad = (m: string): never => {
    throw new EmberError('BAD_OPTIONS', m);
  };
  if (!Number.isInteger(o.hz) || o.hz < 1 || o.hz > 10_000) bad('--hz must be a whole number from 1 to 10000.');
  if (!Number.isInteger(o.seconds) || o.seconds < 0 || o.seconds > 7 * 24 * 3600) bad('--seconds must be a whole number from 0 (until stopped) to 604800.');
  const t = o.target;
  if (t.kind === 'pid' && (!Number.isInteger(t.pid) || t.pid <= 0)) bad('--pid must be a positive process id.');
  if (t.kind === 'comm' && (t.name === '' || t.name.length > 255)) bad('--comm needs a process name of 1 to 255 characters.');
  if (t.kind === 'cgroup' && (t.path === '' || t.path.split('/').includes('..'))) bad('--cgroup needs a cgroup v2 path.');
  for (const p of o.redactPatterns ?? []) {
    try {
      new RegExp(p);
    } catch {
      bad(`--redact-pattern ${JSON.stringify(p.slice(0, 60))} is not a valid regular expression.`);
    }
  }
}

export class Captures implements CaptureService {
  private readonly running = new Map<string, CaptureHandle>();

  constructor(
    private readonly library: Library,
    private readonly log: (line: string) => void,
  ) {}

  active(): readonly CaptureHandle[] {
    return [...this.running.values()];
  }

  async start(session: Session, options: CaptureOptions, onProgress: (p: CaptureProgress) => void = () => undefined): Promise<CaptureHandle> {
    validateCaptureOptions(options);
    const s = session as HostSession;
    if (typeof s.takeAgent !== 'function') throw new EmberError('INTERNAL', 'Not a session of these services.');
    const artifacts = s.artifacts;
    const samplerPath = s.samplerPath;
    // The installed sampler must be the one of the manifest, checked on the host before the agent runs it.
    const sha = await s.shell.exec(await s.userCommand(`sha256sum -- ${shellQuote(samplerPath)} 2>&1 || true`));
    const got = /^([0-9a-f]{64})\s/.exec(sha.stdout)?.[1];
    if (got === undefined) {
      if (/Permission denied/i.test(sha.stdout)) {
        const g = await s.group();
        if (!g?.members.includes(s.facts.user)) throw new EmberError('SETUP_MISSING', `${s.facts.user} is not in the ${SAMPLER_GROUP} group on ${s.entry.label}: run emberscope setup ${s.entry.label}.`);
      } else {
        throw new EmberError('SETUP_MISSING', `The sampler is not installed on ${s.entry.label} (${samplerPath}): run emberscope setup ${s.entry.label} first.`);
      }
    } else if (got !== artifacts.sampler?.sha256) {
      throw new EmberError('ARTIFACT_MISMATCH', `The installed sampler ${samplerPath} does not match the manifest (SHA-256 ${got.slice(0, 16)}…): not run. Run setup again.`);
    }
    let setprivGid = 0;
    if (s.facts.uid === 0) {
      const g = await s.group();
      if (!g) throw new EmberError('SETUP_MISSING', `No ${SAMPLER_GROUP} group on ${s.entry.label}: run setup first.`);
      setprivGid = g.gid;
    }
    const agent = await s.takeAgent();
    const t = options.target;
    const input: CaptureOptionsInput = {
      hz: options.hz,
      seconds: options.seconds,
      target:
        t.kind === 'pid' ? { kind: 'pids', pids: [t.pid] } : t.kind === 'comm' ? { kind: 'process-name', name: t.name } : t.kind === 'cgroup' ? { kind: 'cgroup', path: t.path } : { kind: 'all' },
      kernelSymbols: options.kernelSymbols ?? false,
      redaction: { strict: options.strict, preset: options.strict ? 'strict' : '', patterns: [...(options.redactPatterns ?? [])] },
      sampler: { path: samplerPath, useSetpriv: s.facts.uid === 0, setprivUid: s.facts.uid === 0 ? NOBODY_UID : 0, setprivGid },
    };
    const stream = agent.startCapture(input);
    // The client resolves `started` while the stream is iterated: pull the first event here.
    const iterator = stream[Symbol.asyncIterator]();
    let started: CaptureStarted;
    try {
      const first = await iterator.next();
      const e = first.done ? undefined : first.value.event;
      if (e?.$case !== 'started') throw new EmberError('PROTOCOL', 'The agent did not start the capture.');
      started = e.value;
    } catch (error) {
      stream.cancel();
      await agent.close();
      throw error;
    }
    return this.run(s, agent, stream, iterator, started, options, onProgress);
  }

  private run(
    s: HostSession,
    agent: AgentClient,
    stream: ReturnType<AgentClient['startCapture']>,
    iterator: AsyncIterator<CaptureEvent>,
    started: CaptureStarted,
    options: CaptureOptions,
    onProgress: (p: CaptureProgress) => void,
  ): CaptureHandle {
    const id = `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    const startedMs = started.sampler?.startTimeMs || Date.now();
    const builder = new ProfileBuilder({ hz: options.hz, startTimeMs: startedMs });
    let deltas = 0;
    let samples = 0;
    let lost = 0;
    let cancelled = false;
    let stopRequested = false;
    let endReason: EndReason | undefined;
    let endError: EmberError | undefined;
    let samplerTotal: number | undefined;
    const consume = async (): Promise<void> => {
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          const e = next.value.event;
          if (e?.$case === 'delta') {
            const d = deltaToCore(e.value);
            // A busy host's delta holds tens of thousands of stacks, and buffered messages
            // arrive as microtasks, back to back: merge in steps, and let timers, I/O and the
            // UI's calls run between deltas and whenever a step ran long.
            await runInSteps(builder.applyInSteps(d));
            deltas++;
            samples += d.stats.samples;
            lost += d.stats.lost.mapFull + d.stats.lost.userStackErrors + d.stats.lost.kernelStackErrors + d.stats.lost.other;
            onProgress({ captureId: id, hostId: s.entry.id, samples, lost, elapsedMs: Date.now() - startedMs, deltas });
            await nextTurn();
          } else if (e?.$case === 'ended') {
            endReason = e.value.reason;
            samplerTotal = e.value.totalSamples;
            if (e.value.error && e.value.reason === EndReason.END_REASON_ERROR) {
              // The agent's own stable code (EPERM, BAD_RECORD, ...) when it is one of ours.
              const code = toErrorCode(e.value.error.code, 'SAMPLER_FAILED');
              const message = e.value.error.message.slice(0, 500) || 'The sampler failed.';
              endError = new EmberError(code, code === e.value.error.code ? message : `${e.value.error.code.slice(0, 40)}: ${message}`);
            }
          }
        }
      } catch (error) {
        if (cancelled) return;
        endError = isEmberError(error) ? error : new EmberError('CONNECTION_LOST', `The connection to ${s.entry.label} was lost during the capture (${error instanceof Error ? error.message : String(error)}).`);
        if (endError.code === 'CONNECTION_LOST') {
          // The agent's channel closed: when the host reported how the agent ended, the
          // connection is fine and the agent died (killed, crashed, out of memory).
          const exit = await s.agentExit(agent, 500);
          if (exit) {
            const how = exit.signal ? `killed by SIG${exit.signal}` : `exit status ${exit.code ?? '?'}`;
            endError = new EmberError('AGENT_FAILED', `The agent on ${s.entry.label} ended during the capture (${how}); what was received is kept.`);
          } else {
            endError = new EmberError('CONNECTION_LOST', `The connection to ${s.entry.label} was lost during the capture; what was received is kept.`);
          }
        }
      }
    };
    const finished = consume();
    const done: Promise<CaptureResult> = (async () => {
      await finished;
      await agent.close().catch(() => undefined);
      this.running.delete(id);
      if (cancelled) throw new EmberError('CANCELLED', 'The capture was cancelled; nothing was saved.');
      builder.setEndTime(Date.now());
      const profile = builder.snapshot();
      const interrupted = endReason === undefined || endError !== undefined;
      const reason: CaptureResult['reason'] = interrupted
        ? 'interrupted'
        : endReason === EndReason.END_REASON_DURATION && !stopRequested
          ? 'duration'
          : 'stopped';
      const artifacts = s.artifacts;
      const summary = await this.library.save(profile, {
        id,
        title: options.title ?? `${s.entry.label} ${new Date(startedMs).toISOString().slice(0, 19).replace('T', ' ')}`,
        source: 'capture',
        host: { id: s.entry.id, label: s.entry.label, hostName: s.entry.hostName, port: s.entry.port },
        user: s.facts.user,
        startedMs,
        endedMs: Date.now(),
        options,
        agent: { version: artifacts.agent.version, sha256: artifacts.agent.sha256 },
        sampler: { version: artifacts.samplerVersion, sha256: started.sampler?.sha256 || artifacts.sampler?.sha256 || '' },
        warnings: s.lastWarnings,
        redaction: started.strictRedaction ? `strict (on the host, ${started.strictReason || 'request'})` : 'none',
        interrupted,
        error: endError ? `${endError.code}: ${endError.message}` : '',
        importedFrom: '',
      });
      if (interrupted) this.log(`capture ${id}: interrupted (${endError?.message ?? 'the stream ended early'}); ${summary.samples} samples saved`);
      if (samplerTotal !== undefined && samplerTotal !== profile.meta.reportedSamples) {
        this.log(`capture ${id}: the sampler reported ${samplerTotal} samples in all, its intervals that arrived ${profile.meta.reportedSamples}`);
      }
      return {
        summary,
        reason,
        error: endError ? { code: endError.code, message: endError.message } : null,
        ...(samplerTotal !== undefined ? { samplerTotal } : {}),
      };
    })();
    done.catch(() => undefined);
    const handle: CaptureHandle = {
      id,
      hostId: s.entry.id,
      profile: (): Profile => builder.snapshot(),
      stop: async () => {
        stopRequested = true;
        try {
          await agent.stopCapture(started.captureId);
        } catch (error) {
          this.log(`capture ${id}: stop failed (${String(error)}); cancelling the stream`);
          stream.cancel();
        }
        return done;
      },
      cancel: async () => {
        cancelled = true;
        stream.cancel();
        await done.catch(() => undefined);
      },
      done,
    };
    this.running.set(id, handle);
    return handle;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((h) => h.stop().catch(() => undefined)));
  }
}
