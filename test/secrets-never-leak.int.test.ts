// Threat-model promise: secrets never leave the OS keychain except into the process that needs
// them. Through the real services against a test host with password login and password sudo:
// log in, set up the host (sudo -S), capture with the real sampler, uninstall; all the while a
// watcher scans the command line and environment of every process on the machine for the
// password. Afterwards neither the app's files nor its log lines hold it; the keychain does
// (the user asked it to remember), and a second setup is not asked again.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type ServicesInternals } from '../electron/services';
import { keychainAccount } from '../electron/services/secrets';
import type { HostSession } from '../electron/services/session';
import { anyFileContains, run, scriptedPrompts } from '../electron/services/test/helpers';
import { startTestHost, type TestHost } from '../scripts/test-host';

const repoRoot = join(import.meta.dirname, '..');
const missing = [join(repoRoot, 'dist', 'manifest.json'), join(repoRoot, 'assets', 'linux-x86_64', 'emberscope-sampler')].filter((p) => !existsSync(p));
const KEYCHAIN_SERVICE = `emberscope-test-secrets-${process.pid}`;

/**
 * The watcher: a separate process (so the scan never waits on the services' event loop) that
 * reads the needle from stdin — never from its own argv or environment — and reports, one JSON
 * line each, every process whose argv or environment holds it and every sudo it saw.
 */
const WATCHER = `
const fs = require('fs');
let needle = null;
const hits = new Set();
const sudos = new Set();
let scans = 0;
function scan() {
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\\d+$/.test(pid) || Number(pid) === process.pid) continue;
    for (const file of ['cmdline', 'environ']) {
      let bytes;
      try { bytes = fs.readFileSync('/proc/' + pid + '/' + file); } catch { continue; }
      if (file === 'cmdline' && /(^|\\/)sudo\\0/.test(bytes.toString('latin1'))) sudos.add(pid);
      if (bytes.includes(needle)) {
        let comm = '?';
        try { comm = fs.readFileSync('/proc/' + pid + '/comm', 'utf8').trim(); } catch {}
        hits.add('pid ' + pid + ' (' + comm + ') has it in its ' + file);
      }
    }
  }
  scans++;
}
process.stdin.once('data', (d) => {
  needle = Buffer.from(d.toString().trim());
  const timer = setInterval(scan, 1);
  process.on('SIGTERM', () => {
    clearInterval(timer);
    process.stdout.write(JSON.stringify({ scans, hits: [...hits], sudos: sudos.size }) + '\\n', () => process.exit(0));
  });
  process.stdout.write('ready\\n');
});
`;

interface WatchReport {
  scans: number;
  hits: string[];
  sudos: number;
}

async function startWatcher(needle: string): Promise<{ child: ChildProcess; stop: () => Promise<WatchReport> }> {
  const child = spawn(process.execPath, ['-e', WATCHER], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stdin?.end(needle + '\n');
  await new Promise<void>((resolve) => {
    const check = (): void => (out.includes('ready\n') ? resolve() : void setTimeout(check, 10));
    check();
  });
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      return JSON.parse(out.split('\n').find((l) => l.startsWith('{')) ?? '{}') as WatchReport;
    },
  };
}

let host: TestHost;
let dir: string;
let services: ServicesInternals;
const logs: string[] = [];

beforeAll(async () => {
  // Without the build there is nothing to prove: fail, never skip (npm test builds first).
  if (missing.length > 0) throw new Error(`Build first (npm run build, make -C bpf): missing ${missing.join(', ')}`);
  dir = await mkdtemp(join(tmpdir(), 'emberscope-secrets-'));
  host = await startTestHost({ sudo: 'password' });
  services = createServices({ dataDir: join(dir, 'data'), distDir: join(repoRoot, 'dist'), userKnownHosts: [], keychainService: KEYCHAIN_SERVICE, log: (l) => logs.push(l) });
}, 300_000);

afterAll(async () => {
  await services?.close();
  await run('secret-tool', ['clear', 'service', KEYCHAIN_SERVICE]).catch(() => undefined);
  if (existsSync('/usr/local/libexec/emberscope')) await rm('/usr/local/libexec/emberscope', { recursive: true, force: true });
  await run('groupdel', ['emberscope']).catch(() => undefined);
  await host?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('secrets stay in the keychain and the processes that need them', () => {
  it('a password used for login and sudo appears in no argv, environment, file or log line', async () => {
    const password = host.facts.password ?? '';
    expect(password.length).toBeGreaterThan(8);
    const watcher = await startWatcher(password);
    let report: WatchReport | undefined;
    const dest = `${host.facts.user}@127.0.0.1:${host.facts.port}`;
    try {
      const prompts = scriptedPrompts({ password: { secret: password, remember: true } });
      const session = (await services.connect(dest, prompts, { unknownHostKey: 'accept-new' })) as HostSession;
      expect(prompts.log.passwords).toContain(`login:${host.facts.user}`);
      const setup = await session.runSetup({ kernelSymbols: false, allowSysAdmin: false });
      expect(setup.ok).toBe(true);
      expect(prompts.log.passwords).toContain(`sudo:${host.facts.user}`);

      const w = await host.startWorkload('c', { seconds: 0, threads: 1 });
      try {
        const handle = await services.capture.start(session, { hz: 99, seconds: 2, target: { kind: 'pid', pid: w.pid }, strict: false });
        const result = await handle.done;
        expect(result.summary.samples).toBeGreaterThan(0);
      } finally {
        await w.stop();
      }

      // The sudo password was remembered: uninstall does not ask again.
      const silent = scriptedPrompts({ password: { secret: password, remember: false } });
      const again = (await services.connect(dest, silent, { unknownHostKey: 'accept-new' })) as HostSession;
      const un = await again.uninstall();
      expect(un.ok).toBe(true);
      expect(silent.log.passwords.filter((p) => p.startsWith('sudo:'))).toEqual([]);
      await Promise.all([session.close(), again.close()]);
    } finally {
      report = await watcher.stop();
    }

    // The watcher really looked while sudo ran (a watcher that saw nothing would prove nothing).
    expect(report.scans).toBeGreaterThan(50);
    expect(report.sudos).toBeGreaterThan(0);
    expect(report.hits).toEqual([]);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((l) => l.includes(password))).toEqual([]);
    expect(await anyFileContains(join(dir, 'data'), password)).toBeUndefined();
    const account = keychainAccount('sudo', `${host.facts.user}@127.0.0.1:${host.facts.port}`);
    const { stdout } = await run('secret-tool', ['lookup', 'service', KEYCHAIN_SERVICE, 'username', account]);
    expect(stdout).toBe(password);
  }, 240_000);
});
