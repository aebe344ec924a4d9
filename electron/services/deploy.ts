// Deploy: the agent bundle, the sampler and (where the host has no Node 18+) a pinned Node
// runtime go by SFTP into ~/.cache/emberscope/<sha256>/ (0700) on the host. Their SHA-256 is
// checked ON THE HOST (sha256sum over exec) against the manifest the app carries before
// anything runs; a mismatch is refused and the file removed; verified files are reused. The
// agent's command line verifies the bundle again right before `exec node`, so a file swapped
// after the check is never executed. Nothing is fetched by the host from anywhere.
import { stat } from 'node:fs/promises';
import { AGENT_NODE_FLAGS } from '../agent-client';
import { EmberError } from '../../core/errors';
import { supportedMachine, type Artifact, type Artifacts } from './artifacts';
import type { HostShell } from './host-shell';
import { localNodeRuntime } from './node-runtime';
import { shellQuote } from './ssh';
import type { UploadProgress } from './types';

export { NODE_RUNTIMES, localNodeRuntime, nodeRuntimeFor, type NodeRuntimePin } from './node-runtime';

export const INSTALL_ROOT = '/usr/local/libexec/emberscope';
/** Exit status of the agent command line when the bundle's hash does not match. */
export const AGENT_HASH_MISMATCH_EXIT = 97;

export interface HostFacts {
  readonly uid: number;
  readonly user: string;
  readonly home: string;
  /** uname -m */
  readonly machine: string;
  readonly kernel: string;
  /** Node found on the host's PATH ('' none) and its version ('' unknown). */
  readonly nodePath: string;
  readonly nodeVersion: string;
  readonly groups: readonly string[];
  readonly sudo: 'root' | 'nopasswd' | 'password' | 'none';
  readonly hasSetpriv: boolean;
}

export interface Deployment {
  readonly facts: HostFacts;
  /** Node used to run the agent (the host's or the uploaded runtime). */
  readonly node: string;
  readonly nodeSource: 'host' | 'uploaded';
  readonly agentPath: string;
  readonly samplerCachePath: string;
  /** The shell command line that verifies and starts the agent. */
  readonly agentCommand: string;
}

function parseKv(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0 && !m.has(line.slice(0, i))) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/**
 * Reads the host's facts with one plain exec. `nodeSearchPath` replaces PATH for finding node
 * (hosts where node lives elsewhere; tests simulate a host without node).
 */
export async function preflight(shell: HostShell, nodeSearchPath?: string): Promise<HostFacts> {
  const pathSet = nodeSearchPath !== undefined ? `PATH=${shellQuote(nodeSearchPath)}; ` : '';
  const script = [
    'printf "uid=%s\\nuser=%s\\nhome=%s\\nmachine=%s\\nkernel=%s\\ngroups=%s\\n" "$(id -u)" "$(id -un)" "$HOME" "$(uname -m)" "$(uname -r)" "$(id -Gn)"',
    `n=$( (${pathSet}command -v node) 2>/dev/null || true); printf 'node=%s\\n' "$n"`,
    'if [ -n "$n" ]; then printf "nodever=%s\\n" "$("$n" -p process.versions.node 2>/dev/null)"; fi',
    'if [ "$(id -u)" = 0 ]; then echo sudo=root; elif command -v sudo >/dev/null 2>&1; then if sudo -n true >/dev/null 2>&1; then echo sudo=nopasswd; else echo sudo=password; fi; else echo sudo=none; fi',
    'command -v setpriv >/dev/null 2>&1 && echo setpriv=yes || echo setpriv=no',
  ].join('\n');
  const r = await shell.exec(script, { timeoutMs: 30_000 });
  const kv = parseKv(r.stdout);
  const uid = Number(kv.get('uid'));
  const home = kv.get('home') ?? '';
  if (!Number.isInteger(uid) || !home.startsWith('/')) {
    throw new EmberError('AGENT_FAILED', `The host did not answer the first check (exit ${r.code ?? '?'}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
  }
  const sudo = kv.get('sudo');
  return {
    uid,
    user: kv.get('user') ?? '',
    home,
    machine: kv.get('machine') ?? '',
    kernel: kv.get('kernel') ?? '',
    nodePath: kv.get('node') ?? '',
    nodeVersion: kv.get('nodever') ?? '',
    groups: (kv.get('groups') ?? '').split(/\s+/).filter(Boolean),
    sudo: sudo === 'root' || sudo === 'nopasswd' || sudo === 'password' ? sudo : 'none',
    hasSetpriv: kv.get('setpriv') === 'yes',
  };
}

function nodeIsUsable(version: string): boolean {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? '0');
  return major >= 18;
}

function cacheDirFor(facts: HostFacts, sha: string): string {
  return `${facts.home}/.cache/emberscope/${sha}`;
}

/** `sha256sum` on the host: the file's hash or '' when missing. */
async function remoteSha256(shell: HostShell, path: string): Promise<string> {
  const r = await shell.exec(`[ -f ${shellQuote(path)} ] && sha256sum -- ${shellQuote(path)} || true`, { timeoutMs: 120_000 });
  return /^([0-9a-f]{64})\s/.exec(r.stdout)?.[1] ?? '';
}

async function mkdirPrivate(shell: HostShell, facts: HostFacts, dir: string): Promise<void> {
  const r = await shell.exec(`umask 077 && mkdir -p ${shellQuote(dir)} && chmod 0700 ${shellQuote(`${facts.home}/.cache/emberscope`)} ${shellQuote(dir)}`);
  if (r.code !== 0) throw new EmberError('DISK_FULL', `Cannot create ${dir} on the host: ${r.stderr.trim().split('\n')[0] ?? ''}`);
}

/**
 * Why an upload failed: SFTP reports a full disk as a bare "Failure", so the free space of the
 * directory is read on the host; DISK_FULL when the file does not fit, else the upload's error.
 */
async function uploadFailure(shell: HostShell, dir: string, artifact: { fileName: string; localPath: string }, error: unknown): Promise<unknown> {
  const need = await stat(artifact.localPath).then((st) => st.size, () => 0);
  const df = await shell.exec(`df -Pk -- ${shellQuote(dir)} | tail -n 1`).catch(() => undefined);
  const freeKiB = Number(df?.stdout.trim().split(/\s+/)[3]);
  if (df?.code === 0 && Number.isFinite(freeKiB) && need > 0 && freeKiB * 1024 < need + 64 * 1024) {
    return new EmberError(
      'DISK_FULL',
      `There is not enough space on the host for ${artifact.fileName} in ${dir.slice(0, dir.lastIndexOf('/'))} (${freeKiB} KiB free, ${Math.ceil(need / 1024)} KiB needed): free some space and try again.`,
      { file: artifact.fileName, freeKiB, needKiB: Math.ceil(need / 1024) },
    );
  }
  return error;
}

/** Uploads (if needed) and verifies one file; returns its path on the host. */
export async function ensureFile(
  shell: HostShell,
  facts: HostFacts,
  artifact: { fileName: string; localPath: string; sha256: string },
  mode: number,
  onProgress: (p: UploadProgress) => void,
): Promise<string> {
  const dir = cacheDirFor(facts, artifact.sha256);
  const path = `${dir}/${artifact.fileName}`;
  const existing = await remoteSha256(shell, path);
  if (existing === artifact.sha256) return path;
  await mkdirPrivate(shell, facts, dir);
  if (existing !== '') {
    // A cached file that does not match: never run it, remove it, upload again.
    await shell.exec(`rm -f -- ${shellQuote(path)}`);
  }
  const part = `${path}.part`;
  await shell.exec(`rm -f -- ${shellQuote(part)}`);
  try {
    await shell.upload(artifact.localPath, part, (transferred, total) => onProgress({ file: artifact.fileName, transferred, total }));
  } catch (error) {
    // Never leave a half-uploaded file behind; say so plainly when the disk is full.
    await shell.exec(`rm -f -- ${shellQuote(part)}`).catch(() => undefined);
    throw await uploadFailure(shell, dir, artifact, error);
  }
  const uploaded = await remoteSha256(shell, part);
  if (uploaded !== artifact.sha256) {
    await shell.exec(`rm -f -- ${shellQuote(part)}`);
    throw new EmberError(
      'ARTIFACT_MISMATCH',
      `${artifact.fileName} on the host has SHA-256 ${uploaded.slice(0, 16) || 'none'}…, not ${artifact.sha256.slice(0, 16)}… as in the manifest: refused and removed.`,
      { file: artifact.fileName },
    );
  }
  const r = await shell.exec(`chmod ${mode.toString(8)} -- ${shellQuote(part)} && mv -f -- ${shellQuote(part)} ${shellQuote(path)}`);
  if (r.code !== 0) throw new EmberError('DISK_FULL', `Cannot store ${path} on the host: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  return path;
}

/** The agent command line: verify the bundle's hash, then exec node on it. */
export function agentCommandLine(node: string, agentPath: string, sha256: string): string {
  const check = `printf '%s  %s\\n' ${sha256} ${shellQuote(agentPath)} | sha256sum -c --status`;
  return `${check} || exit ${AGENT_HASH_MISMATCH_EXIT}; exec ${shellQuote(node)} ${AGENT_NODE_FLAGS.join(' ')} ${shellQuote(agentPath)}`;
}

export async function deploy(
  shell: HostShell,
  artifacts: Artifacts,
  onProgress: (p: UploadProgress) => void,
  options: { nodeSearchPath?: string; facts?: HostFacts; log: (line: string) => void },
): Promise<Deployment> {
  const facts = options.facts ?? (await preflight(shell, options.nodeSearchPath));
  // Before anything is uploaded: a host Emberscope ships no sampler and no Node runtime for.
  supportedMachine(facts.machine);
  if (!artifacts.sampler) throw new EmberError('SETUP_MISSING', `This build carries no sampler for ${facts.machine}.`);
  const sampler: Artifact = artifacts.sampler;
  const agentPath = await ensureFile(shell, facts, artifacts.agent, 0o500, onProgress);
  const samplerCachePath = await ensureFile(shell, facts, sampler, 0o500, onProgress);
  let node = facts.nodePath;
  let nodeSource: Deployment['nodeSource'] = 'host';
  if (node === '' || !nodeIsUsable(facts.nodeVersion)) {
    const runtime = await localNodeRuntime(facts.machine, options.log);
    await ensureFile(shell, facts, { fileName: 'node.tgz', localPath: runtime.path, sha256: runtime.sha256 }, 0o400, onProgress);
    const dir = cacheDirFor(facts, runtime.sha256);
    node = `${dir}/package/bin/node`;
    // Extract once; the tarball was verified on the host just now.
    const r = await shell.exec(
      `[ -x ${shellQuote(node)} ] || (cd ${shellQuote(dir)} && umask 077 && tar -xzf node.tgz package/bin/node) && ${shellQuote(node)} -p process.versions.node`,
      { timeoutMs: 300_000 },
    );
    if (r.code !== 0 || !nodeIsUsable(r.stdout.trim())) {
      throw new EmberError('NODE_MISSING', `The uploaded Node runtime does not run on the host: ${r.stderr.trim().split('\n')[0] ?? ''}`);
    }
    nodeSource = 'uploaded';
  }
  return { facts, node, nodeSource, agentPath, samplerCachePath, agentCommand: agentCommandLine(node, agentPath, artifacts.agent.sha256) };
}

export function installDir(version: string): string {
  return `${INSTALL_ROOT}/${version}`;
}
