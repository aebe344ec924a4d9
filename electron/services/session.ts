// A connected host (SSH or This machine): deploy, posture check, setup, uninstall, and the
// agent connections that captures use.
import { EmberError } from '../../core/errors';
import { SAMPLER_GROUP } from '../../core/warnings';
import { connectAgent, type AgentClient } from '../agent-client';
import type { Artifacts } from './artifacts';
import type { CaptureHost } from './capture';
import { AGENT_HASH_MISMATCH_EXIT, deploy, installDir, preflight, type Deployment, type HostFacts } from './deploy';
import type { HostShell } from './host-shell';
import { postureToEvidence, toJson, warningsFor } from './posture';
import { keychainAccount, type SecretStore } from './secrets';
import { capabilitiesFor, rootExec, runPlan, samplerInstallPath, setupPlan, uninstallPlan, verifySetup } from './setup';
import { shellQuote } from './ssh';
import type { CheckReport, ConnectionInfo, HostEntry, Prompts, Session, SetupOptions, SetupPlan, SetupProgress, SetupResult, UploadProgress, WarningView } from './types';

export interface SessionDeps {
  readonly artifacts: (machine: string) => Artifacts;
  readonly secrets: SecretStore;
  readonly prompts: Prompts;
  readonly log: (line: string) => void;
  readonly nodeSearchPath?: string;
}

/** How an agent process ended: exit status, or the signal (without SIG) that killed it. */
export interface AgentExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface GroupInfo {
  readonly gid: number;
  readonly members: readonly string[];
}

export class HostSession implements Session, CaptureHost {
  readonly info: ConnectionInfo;
  readonly closed: Promise<Error | undefined>;
  private deployment: Deployment | undefined;
  private readonly uploadListeners = new Set<(p: UploadProgress) => void>();
  /** Warnings of the last check (recorded with captures). */
  lastWarnings: readonly WarningView[] = [];
  private closedFlag = false;
  /** An agent left running by check(), handed to the next capture (saves one agent start). */
  private idleAgent: AgentClient | undefined;
  private readonly agentExits = new WeakMap<AgentClient, Promise<AgentExit>>();

  constructor(
    readonly entry: HostEntry,
    readonly shell: HostShell,
    public facts: HostFacts,
    fingerprint: string,
    private readonly deps: SessionDeps,
  ) {
    this.info = {
      hostId: entry.id,
      hostLabel: entry.label,
      user: facts.user,
      hostKeyFingerprint: fingerprint,
      kernel: facts.kernel,
      arch: facts.machine,
      isRoot: facts.uid === 0,
      transport: shell.transport ?? 'local',
    };
    this.closed = shell.closed;
    void shell.closed.then(() => (this.closedFlag = true));
  }

  static async open(entry: HostEntry, shell: HostShell, fingerprint: string, deps: SessionDeps): Promise<HostSession> {
    const facts = await preflight(shell, deps.nodeSearchPath);
    return new HostSession(entry, shell, facts, fingerprint, deps);
  }

  get artifacts(): Artifacts {
    return this.deps.artifacts(this.facts.machine);
  }

  get samplerPath(): string {
    return samplerInstallPath(this.artifacts.samplerVersion);
  }

  onUpload(listener: (p: UploadProgress) => void): () => void {
    this.uploadListeners.add(listener);
    return () => this.uploadListeners.delete(listener);
  }

  private ensureOpen(): void {
    if (this.closedFlag) throw new EmberError('CONNECTION_LOST', `The connection to ${this.entry.label} is closed: connect again.`);
  }

  async deployed(): Promise<Deployment> {
    this.ensureOpen();
    if (this.deployment) return this.deployment;
    this.deployment = await deploy(this.shell, this.artifacts, (p) => this.uploadListeners.forEach((l) => l(p)), {
      facts: this.facts,
      log: this.deps.log,
      ...(this.deps.nodeSearchPath !== undefined ? { nodeSearchPath: this.deps.nodeSearchPath } : {}),
    });
    return this.deployment;
  }

  async group(): Promise<GroupInfo | undefined> {
    const r = await this.shell.exec(`getent group ${SAMPLER_GROUP} || true`);
    const parts = r.stdout.trim().split(':');
    if (parts.length < 3 || parts[0] !== SAMPLER_GROUP) return undefined;
    return { gid: Number(parts[2]), members: (parts[3] ?? '').split(',').filter(Boolean) };
  }

  /**
   * A command line as the SSH user with the sampler group: group membership added by setup is
   * not active in an SSH session opened before it, so such commands run through `sg`.
   */
  async userCommand(command: string): Promise<string> {
    if (this.facts.uid !== 0 && !this.facts.groups.includes(SAMPLER_GROUP)) {
      const g = await this.group();
      if (g?.members.includes(this.facts.user)) return `exec sg ${SAMPLER_GROUP} -c ${shellQuote(command)}`;
    }
    return command;
  }

  /**
   * Starts the agent (verified bundle) and says hello. When the host's cache was removed since
   * the deploy (the bundle or the uploaded Node is gone), it deploys again, verified as always,
   * and starts once more.
   */
  async openAgent(redeployIfGone = true): Promise<AgentClient> {
    const d = await this.deployed();
    const command = await this.userCommand(d.agentCommand);
    let exitCode: number | null | undefined;
    let exited: (exit: AgentExit) => void = () => undefined;
    const exit = new Promise<AgentExit>((r) => (exited = r));
    const stream = this.shell.agentStream(
      command,
      (line) => this.deps.log(`agent[${this.entry.label}]: ${line}`),
      (code, signal) => {
        exitCode = code;
        exited({ code, signal: signal ?? null });
      },
    );
    const agent = await connectAgent(stream);
    this.agentExits.set(agent, exit);
    try {
      await agent.hello();
    } catch (error) {
      await agent.close();
      await new Promise((r) => setTimeout(r, 100));
      if (exitCode !== undefined && exitCode !== null && exitCode !== 0 && redeployIfGone && !this.closedFlag) {
        const files = [d.agentPath, ...(d.nodeSource === 'uploaded' ? [d.node] : [])];
        const probe = await this.shell.exec(files.map((f) => `[ -f ${shellQuote(f)} ] || echo gone`).join('; ')).catch(() => undefined);
        if (probe?.stdout.includes('gone')) {
          this.deps.log(`deploy[${this.entry.label}]: the cache on the host was removed; deploying again`);
          this.deployment = undefined;
          return this.openAgent(false);
        }
      }
      if (exitCode === AGENT_HASH_MISMATCH_EXIT) {
        this.deployment = undefined;
        throw new EmberError('ARTIFACT_MISMATCH', 'The agent bundle on the host no longer matches the manifest: it was not started. Connect again to redeploy it.');
      }
      throw error;
    }
    return agent;
  }

  /**
   * How the agent process ended, if the host reported it within `waitMs` (an SSH channel's
   * exit status or signal; nothing when the connection itself was lost).
   */
  async agentExit(agent: AgentClient, waitMs: number): Promise<AgentExit | undefined> {
    const exit = this.agentExits.get(agent);
    if (!exit) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), waitMs)));
    try {
      return await Promise.race([exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The idle agent if there is one (the caller owns it now), else a new one. */
  async takeAgent(): Promise<AgentClient> {
    const idle = this.idleAgent;
    this.idleAgent = undefined;
    if (idle) {
      const ended = await Promise.race([idle.closed.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
      if (!ended) return idle;
      await idle.close().catch(() => undefined);
    }
    return this.openAgent();
  }

  private async dropIdleAgent(): Promise<void> {
    const idle = this.idleAgent;
    this.idleAgent = undefined;
    await idle?.close().catch(() => undefined);
  }

  private async parkAgent(agent: AgentClient): Promise<void> {
    if (this.idleAgent || this.closedFlag) {
      await agent.close();
      return;
    }
    this.idleAgent = agent;
  }

  async check(): Promise<CheckReport> {
    const d = await this.deployed();
    const agent = await this.takeAgent();
    let healthy = false;
    try {
      const version = this.artifacts.samplerVersion;
      const reply = await agent.posture({
        samplerPath: this.samplerPath,
        installDir: installDir(version),
        cacheDir: d.agentPath.slice(0, d.agentPath.lastIndexOf('/')),
        expectKernelSymbols: false,
      });
      const fileCaps = reply.samplerFile?.fileCapsText ?? '';
      const capSyslog = /cap_syslog/.test(fileCaps);
      const keychain = await this.deps.secrets.status();
      const evidence = postureToEvidence(reply, { keychainAvailable: keychain.available, capSyslogOptIn: capSyslog, sysAdminConsent: /cap_sys_admin/.test(fileCaps) });
      const { warnings, blocker } = warningsFor(evidence, { samplerPath: this.samplerPath, host: this.entry.label });
      this.lastWarnings = warnings;
      const installed = reply.samplerFile?.exists === true;
      healthy = true;
      return {
        hostId: this.entry.id,
        kernel: reply.kernel?.release ?? this.facts.kernel,
        user: this.facts.user,
        evidence: toJson(reply),
        warnings,
        hasBlocker: blocker,
        capabilities: capabilitiesFor(this.facts.kernel, { kernelSymbols: capSyslog, allowSysAdmin: true }).map((c) => c.toUpperCase()),
        setupInstalled: installed,
        samplerPath: installed ? this.samplerPath : '',
      };
    } finally {
      if (healthy) await this.parkAgent(agent);
      else await agent.close();
    }
  }

  async setupPlan(options: SetupOptions): Promise<SetupPlan> {
    const d = await this.deployed();
    const sampler = this.artifacts.sampler;
    if (!sampler) throw new EmberError('SETUP_MISSING', 'This build carries no sampler for the host.');
    return setupPlan(this.entry.id, this.facts, d.samplerCachePath, sampler.sha256, this.artifacts.samplerVersion, options);
  }

  private sudoPassword(): () => Promise<string | null> {
    let cached: string | null | undefined;
    const account = keychainAccount('sudo', `${this.facts.user}@${this.entry.hostName || this.entry.label}:${this.entry.port || 22}`);
    return async () => {
      if (cached !== undefined) return cached;
      const remembered = await this.deps.secrets.get(account);
      if (remembered !== null) return (cached = remembered);
      const canRemember = (await this.deps.secrets.status()).available;
      const answer = await this.deps.prompts.askPassword({ hostLabel: this.entry.label, user: this.facts.user, purpose: 'sudo', canRemember, retry: false });
      if (answer === null) return (cached = null);
      if (answer.remember && canRemember) await this.deps.secrets.set(account, answer.secret);
      return (cached = answer.secret);
    };
  }

  async runSetup(options: SetupOptions, onProgress: (p: SetupProgress) => void = () => undefined): Promise<SetupResult> {
    const plan = await this.setupPlan(options);
    await this.dropIdleAgent();
    const password = this.sudoPassword();
    await runPlan(this.shell, plan, password, onProgress);
    const sampler = this.artifacts.sampler;
    const caps = capabilitiesFor(this.facts.kernel, options);
    return verifySetup(rootExec(this.shell, plan, password), this.facts, this.artifacts.samplerVersion, caps, sampler?.sha256 ?? '');
  }

  async uninstallPlan(): Promise<SetupPlan> {
    return uninstallPlan(this.entry.id, this.facts);
  }

  async uninstall(onProgress: (p: SetupProgress) => void = () => undefined): Promise<SetupResult> {
    const plan = uninstallPlan(this.entry.id, this.facts);
    await this.dropIdleAgent();
    await runPlan(this.shell, plan, this.sudoPassword(), onProgress);
    const cache = `${this.facts.home}/.cache/emberscope`;
    await this.shell.exec(`rm -rf -- ${shellQuote(cache)}`);
    this.deployment = undefined;
    const r = await this.shell.exec(
      `[ -e /usr/local/libexec/emberscope ] && echo install-left; getent group ${SAMPLER_GROUP} >/dev/null && echo group-left; [ -e ${shellQuote(cache)} ] && echo cache-left; true`,
    );
    const left = r.stdout.split('\n').filter(Boolean);
    return { ok: left.length === 0, report: left.length === 0 ? ['nothing of Emberscope remains on the host'] : left.map((l) => `still there: ${l}`) };
  }

  async close(): Promise<void> {
    this.closedFlag = true;
    const idle = this.idleAgent;
    this.idleAgent = undefined;
    await idle?.close().catch(() => undefined);
    this.shell.close();
  }
}

/** The capture side of a session these services opened (undefined for any other Session). */
export function captureHostOf(session: Session): CaptureHost | undefined {
  return session instanceof HostSession ? session : undefined;
}
