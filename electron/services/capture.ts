// Captures: the agent's deltas merged into core's profile model, live progress, stop, cancel,
// several hosts at once; when the connection drops, everything received is saved as interrupted.
import { randomBytes } from 'node:crypto';
import { kernelSymbolsFor, requireValidCaptureOptions } from '../../core/capture/options';
import { EmberError, isEmberError } from '../../core/errors';
import { deltaToCore, toErrorCode } from '../../core/protocol/convert';
import { EndReason, type CaptureEnded, type CaptureEvent, type CaptureStarted, type SamplerLaunch } from '../../core/protocol/generated/emberscope.generated';
import { DEFAULT_INTERVAL_MS, captureInputFor } from '../../core/protocol/options';
import { ProfileBuilder, type CaptureDelta, type Profile } from '../../core/profile';
import { SAMPLER_GROUP } from '../../core/warnings';
import type { AgentClient, CaptureStream } from '../agent-client';
import type { Artifacts } from './artifacts';
import { nextTurn, runInSteps } from './cooperative';
import type { HostFacts } from './deploy';
import type { HostShell } from './host-shell';
import type { Library } from './library';
import { captureHostOf, type AgentExit, type GroupInfo } from './session';
import { shellQuote } from './ssh';
import type { CaptureHandle, CaptureOptions, CaptureProgress, CaptureResult, CaptureService, HostEntry, Session, WarningView } from './types';
import type { DesktopSymbols } from './symbols';

const NOBODY_UID = 65534;

/** What a capture needs of a connected host (HostSession is one; captureHostOf finds it). */
export interface CaptureHost {
  readonly entry: HostEntry;
  readonly facts: Pick<HostFacts, 'user' | 'uid'>;
  readonly artifacts: Artifacts;
  readonly samplerPath: string;
  /** Warnings of the last check, recorded with the capture. */
  readonly lastWarnings: readonly WarningView[];
  readonly shell: Pick<HostShell, 'exec'>;
  userCommand(command: string): Promise<string>;
  group(): Promise<GroupInfo | undefined>;
  takeAgent(): Promise<AgentClient>;
  agentExit(agent: AgentClient, waitMs: number): Promise<AgentExit | undefined>;
}

/** A capture the agent has started: its first event (`started`) already read. */
interface AgentCapture {
  readonly agent: AgentClient;
  readonly stream: CaptureStream;
  readonly events: AsyncIterator<CaptureEvent>;
  readonly started: CaptureStarted;
}

export class Captures implements CaptureService {
  private readonly running = new Map<string, CaptureHandle>();
  /** Hosts whose capture is being started (the sampler check and the agent's start take a while). */
  private readonly starting = new Set<string>();

  constructor(
    private readonly library: Library,
    private readonly log: (line: string) => void,
    /** Names the host could not give, found on the desktop (debuginfod); absent: none. */
    private readonly symbols?: DesktopSymbols,
  ) {}

  active(): readonly CaptureHandle[] {
    return [...this.running.values()];
  }

  async start(session: Session, options: CaptureOptions, onProgress: (p: CaptureProgress) => void = () => undefined): Promise<CaptureHandle> {
    requireValidCaptureOptions(options);
    const host = captureHostOf(session);
    if (!host) throw new EmberError('INTERNAL', 'Not a session of these services.');
    // One capture per host: a second sampler beside a running one would double the host's
    // cost and, once the window that started the first is gone, be the one nobody sees.
    const hostId = host.entry.id;
    if (this.starting.has(hostId) || this.active().some((h) => h.hostId === hostId)) {
      throw new EmberError('CAPTURE_BUSY', `A capture is already running on ${host.entry.label}. Stop it (or open its live view) before starting another.`);
    }
    this.starting.add(hostId);
    try {
      const sampler = await installedSampler(host);
      const capture = await startOnAgent(host, options, sampler);
      const run = new CaptureRun(host, capture, options, onProgress, this.library, this.log, (id) => this.running.delete(id), this.symbols);
      this.running.set(run.id, run.handle);
      return run.handle;
    } finally {
      this.starting.delete(hostId);
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((h) => h.stop().catch(() => undefined)));
  }
}

/** What the checked, installed sampler may do: CAP_SYSLOG when the setup opted into kernel symbols. */
interface InstalledSampler {
  readonly launch: SamplerLaunch;
  readonly kernelSymbolsGranted: boolean;
}

const GETCAP = 'getcap -- "$1" 2>/dev/null || /sbin/getcap -- "$1" 2>/dev/null || /usr/sbin/getcap -- "$1" 2>/dev/null';

/**
 * The installed sampler must be the one of the manifest, checked on the host before the agent
 * runs it; its file capabilities say whether kernel symbols were granted.
 */
async function checkInstalledSampler(host: CaptureHost): Promise<{ readonly kernelSymbolsGranted: boolean }> {
  const label = host.entry.label;
  const path = shellQuote(host.samplerPath);
  const out = await host.shell.exec(await host.userCommand(`sha256sum -- ${path} 2>&1 || true; echo '--- caps'; sh -c ${shellQuote(GETCAP)} sh ${path} || true`));
  const [sha = '', caps = ''] = out.stdout.split('--- caps');
  const got = /^([0-9a-f]{64})\s/.exec(sha)?.[1];
  if (got === undefined) {
    if (!/Permission denied/i.test(sha)) {
      throw new EmberError('SETUP_MISSING', `The sampler is not installed on ${label} (${host.samplerPath}): run emberscope setup ${label} first.`);
    }
    const g = await host.group();
    if (!g?.members.includes(host.facts.user)) throw new EmberError('SETUP_MISSING', `${host.facts.user} is not in the ${SAMPLER_GROUP} group on ${label}: run emberscope setup ${label}.`);
  } else if (got !== host.artifacts.sampler?.sha256) {
    throw new EmberError('ARTIFACT_MISMATCH', `The installed sampler ${host.samplerPath} does not match the manifest (SHA-256 ${got.slice(0, 16)}…): not run. Run setup again.`);
  }
  return { kernelSymbolsGranted: /cap_syslog/i.test(caps) };
}

/** How the agent runs the checked sampler: as root, through setpriv as nobody with the sampler group. */
async function installedSampler(host: CaptureHost): Promise<InstalledSampler> {
  const { kernelSymbolsGranted } = await checkInstalledSampler(host);
  if (host.facts.uid !== 0) return { launch: { path: host.samplerPath, useSetpriv: false, setprivUid: 0, setprivGid: 0 }, kernelSymbolsGranted };
  const g = await host.group();
  if (!g) throw new EmberError('SETUP_MISSING', `No ${SAMPLER_GROUP} group on ${host.entry.label}: run setup first.`);
  return { launch: { path: host.samplerPath, useSetpriv: true, setprivUid: NOBODY_UID, setprivGid: g.gid }, kernelSymbolsGranted };
}

async function startOnAgent(host: CaptureHost, options: CaptureOptions, sampler: InstalledSampler): Promise<AgentCapture> {
  const agent = await host.takeAgent();
  const kernelSymbols = kernelSymbolsFor(options.kernelSymbols, sampler.kernelSymbolsGranted);
  const stream = agent.startCapture(captureInputFor(options, { sampler: sampler.launch, kernelSymbols }));
  // The client resolves `started` while the stream is iterated: pull the first event here.
  const events = stream[Symbol.asyncIterator]();
  try {
    const first = await events.next();
    const e = first.done ? undefined : first.value.event;
    if (e?.$case !== 'started') throw new EmberError('PROTOCOL', 'The agent did not start the capture.');
    return { agent, stream, events, started: e.value };
  } catch (error) {
    stream.cancel();
    await agent.close();
    throw error;
  }
}

function newCaptureId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

/** The error an agent's END record carries (its own stable code when it is one of ours). */
export function endedError(ended: CaptureEnded): EmberError | undefined {
  if (!ended.error || ended.reason !== EndReason.END_REASON_ERROR) return undefined;
  const code = toErrorCode(ended.error.code, 'SAMPLER_FAILED');
  const message = ended.error.message.slice(0, 500) || 'The sampler failed.';
  return new EmberError(code, code === ended.error.code ? message : `${ended.error.code.slice(0, 40)}: ${message}`);
}

/** Whether a failed stream is worth asking the host how the agent ended. */
function mayBeAgentDeath(error: unknown): boolean {
  return !isEmberError(error) || error.code === 'CONNECTION_LOST';
}

/**
 * Why the event stream failed. When the agent's channel closed and the host reported how the
 * agent ended, the connection is fine and the agent died (killed, crashed, out of memory).
 */
export function streamFailure(error: unknown, hostLabel: string, exit: AgentExit | undefined): EmberError {
  if (!mayBeAgentDeath(error) && isEmberError(error)) return error;
  if (exit) {
    const how = exit.signal ? `killed by SIG${exit.signal}` : `exit status ${exit.code ?? '?'}`;
    return new EmberError('AGENT_FAILED', `The agent on ${hostLabel} ended during the capture (${how}); what was received is kept.`);
  }
  return new EmberError('CONNECTION_LOST', `The connection to ${hostLabel} was lost during the capture; what was received is kept.`);
}

function lostSamples(d: CaptureDelta): number {
  const l = d.stats.lost;
  return l.mapFull + l.userStackErrors + l.kernelStackErrors + l.other;
}

/** One running capture: pumps the agent's events into the profile, then saves it. */
class CaptureRun {
  readonly id = newCaptureId();
  readonly handle: CaptureHandle;
  private readonly startedMs: number;
  private readonly builder: ProfileBuilder;
  private deltas = 0;
  private samples = 0;
  private lost = 0;
  private cancelled = false;
  private stopRequested = false;
  private ended: CaptureEnded | undefined;
  private endError: EmberError | undefined;

  constructor(
    private readonly host: CaptureHost,
    private readonly capture: AgentCapture,
    private readonly options: CaptureOptions,
    private readonly onProgress: (p: CaptureProgress) => void,
    private readonly library: Library,
    private readonly log: (line: string) => void,
    private readonly forget: (id: string) => void,
    private readonly symbols?: DesktopSymbols,
  ) {
    this.startedMs = capture.started.sampler?.startTimeMs || Date.now();
    // One time bucket per agent interval: the timeline strip and time-range views use them.
    const bucketMs = capture.started.effectiveOptions?.intervalMs || DEFAULT_INTERVAL_MS;
    this.builder = new ProfileBuilder({ hz: options.hz, startTimeMs: this.startedMs, timeline: { startMs: this.startedMs, bucketMs } });
    const done = this.pump().then(() => this.finish());
    done.catch(() => undefined);
    this.handle = {
      id: this.id,
      hostId: host.entry.id,
      profile: (): Profile => this.builder.snapshot(),
      stop: async () => {
        await this.stop();
        return done;
      },
      cancel: async () => {
        this.cancelled = true;
        capture.stream.cancel();
        await done.catch(() => undefined);
      },
      done,
    };
  }

  /** Reads events until the stream ends; a failure is kept as the capture's end error. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        const next = await this.capture.events.next();
        if (next.done) return;
        const e = next.value.event;
        if (e?.$case === 'delta') await this.merge(deltaToCore(e.value));
        else if (e?.$case === 'ended') this.noteEnd(e.value);
      }
    } catch (error) {
      if (this.cancelled) return;
      const exit = mayBeAgentDeath(error) ? await this.host.agentExit(this.capture.agent, 500) : undefined;
      this.endError = streamFailure(error, this.host.entry.label, exit);
    }
  }

  private async merge(d: CaptureDelta): Promise<void> {
    // A busy host's delta holds tens of thousands of stacks, and buffered messages arrive as
    // microtasks, back to back: merge in steps, and let timers, I/O and the UI's calls run
    // between deltas and whenever a step ran long.
    await runInSteps(this.builder.applyInSteps(d));
    this.deltas++;
    this.samples += d.stats.samples;
    this.lost += lostSamples(d);
    this.onProgress({ captureId: this.id, hostId: this.host.entry.id, samples: this.samples, lost: this.lost, elapsedMs: Date.now() - this.startedMs, deltas: this.deltas });
    await nextTurn();
  }

  private noteEnd(ended: CaptureEnded): void {
    this.ended = ended;
    this.endError = endedError(ended) ?? this.endError;
  }

  private async stop(): Promise<void> {
    this.stopRequested = true;
    try {
      await this.capture.agent.stopCapture(this.capture.started.captureId);
    } catch (error) {
      this.log(`capture ${this.id}: stop failed (${String(error)}); cancelling the stream`);
      this.capture.stream.cancel();
    }
  }

  private reason(): CaptureResult['reason'] {
    if (this.ended === undefined || this.endError !== undefined) return 'interrupted';
    return this.ended.reason === EndReason.END_REASON_DURATION && !this.stopRequested ? 'duration' : 'stopped';
  }

  /** Saves what arrived (also when interrupted); a cancelled capture is not saved. */
  private async finish(): Promise<CaptureResult> {
    await this.capture.agent.close().catch(() => undefined);
    this.forget(this.id);
    if (this.cancelled) throw new EmberError('CANCELLED', 'The capture was cancelled; nothing was saved.');
    this.builder.setEndTime(Date.now());
    const profile = await this.nameOnDesktop(this.builder.snapshot());
    const reason = this.reason();
    const interrupted = reason === 'interrupted';
    const summary = await this.save(profile, interrupted);
    if (interrupted) this.log(`capture ${this.id}: interrupted (${this.endError?.message ?? 'the stream ended early'}); ${summary.samples} samples saved`);
    const samplerTotal = this.ended?.totalSamples;
    if (samplerTotal !== undefined && samplerTotal !== profile.meta.reportedSamples) {
      this.log(`capture ${this.id}: the sampler reported ${samplerTotal} samples in all, its intervals that arrived ${profile.meta.reportedSamples}`);
    }
    return {
      summary,
      reason,
      error: this.endError ? { code: this.endError.code, message: this.endError.message } : null,
      ...(samplerTotal !== undefined ? { samplerTotal } : {}),
    };
  }

  /** Frames the host left unnamed, named from the desktop's sources; a failure there keeps the profile as it came. */
  private async nameOnDesktop(profile: Profile): Promise<Profile> {
    if (!this.symbols) return profile;
    const started = this.capture.started;
    const red = started.effectiveOptions?.redaction;
    try {
      const r = await this.symbols.name(profile, { strict: started.strictRedaction, preset: red?.preset ?? '', patterns: red?.patterns ?? [] });
      if (r.named > 0 || Object.keys(r.unnamed).length > 0) this.log(`capture ${this.id}: ${r.named} frames named on the desktop; still unnamed: ${JSON.stringify(r.unnamed)}`);
      return r.profile;
    } catch (error) {
      this.log(`capture ${this.id}: naming on the desktop failed (${error instanceof Error ? error.message : String(error)}); saved as the host named it`);
      return profile;
    }
  }

  private save(profile: Profile, interrupted: boolean): ReturnType<Library['save']> {
    const { host, options, startedMs } = this;
    const { entry, artifacts } = host;
    const started = this.capture.started;
    return this.library.save(profile, {
      id: this.id,
      title: options.title ?? `${entry.label} ${new Date(startedMs).toISOString().slice(0, 19).replace('T', ' ')}`,
      source: 'capture',
      host: { id: entry.id, label: entry.label, hostName: entry.hostName, port: entry.port },
      user: host.facts.user,
      startedMs,
      endedMs: Date.now(),
      options,
      agent: { version: artifacts.agent.version, sha256: artifacts.agent.sha256 },
      sampler: { version: artifacts.samplerVersion, sha256: started.sampler?.sha256 || artifacts.sampler?.sha256 || '' },
      warnings: host.lastWarnings,
      redaction: started.strictRedaction ? `strict (on the host, ${started.strictReason || 'request'})` : 'none',
      interrupted,
      error: this.endError ? `${this.endError.code}: ${this.endError.message}` : '',
      importedFrom: '',
    });
  }
}
