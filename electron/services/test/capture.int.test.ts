// Captures through the real agent over SSH with a scripted stand-in for the sampler (installed
// by the real setup): deltas merged into the profile, stop, cancel, two hosts at once, and a
// dropped connection saved as interrupted. The real sampler: electron/cli/test/cli.int.test.ts.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat, encodeCount, encodeEnd, encodeHeader, encodeStack, encodeStats } from '../../../agent-remote/src/sampler/encode';
import { startTestHost, type TestHost } from '../../../scripts/test-host';
import { createServices, type ServicesInternals } from '../index';
import type { HostSession } from '../session';
import type { CaptureProgress } from '../types';
import { makeFixtureDist, type FixtureDist } from './fixture-dist';
import { scriptedPrompts } from './helpers';

const run = promisify(execFile);
let a: TestHost;
let b: TestHost;
let dir: string;
let dist: FixtureDist;
let services: ServicesInternals;
const marker = Math.random().toString(16).slice(2, 10);

const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');

/** A sampler stand-in: a header, then one interval of 10 samples every 100 ms until stdin closes. */
function scriptedSampler(): string {
  const start = concat([encodeHeader({ hz: 99, ncpus: 2, samplerPid: 4242 }), encodeStack(1, 0, [0x401000n, 0x402000n])]);
  const ticks = Array.from({ length: 600 }, (_, i) =>
    b64(concat([encodeCount({ tgid: 777, pid: 777, userStackId: 1, kernelStackId: -1, comm: 'scripted', count: 10 }), encodeStats({ interval: i + 1, samples: 10 })])),
  );
  return `#!${process.execPath}
const start = Buffer.from(${JSON.stringify(b64(start))}, 'base64');
const ticks = ${JSON.stringify(ticks)};
const end = Buffer.from(${JSON.stringify(b64(encodeEnd(2)))}, 'base64');
try {
  const fs = require('fs');
  fs.writeFileSync('/tmp/emberscope-scripted-' + ${JSON.stringify(marker)} + '-' + process.getuid(), fs.readFileSync('/proc/self/status', 'utf8'));
  fs.writeFileSync('/tmp/emberscope-scripted-' + ${JSON.stringify(marker)} + '-argv', JSON.stringify(process.argv.slice(2)));
} catch {}
process.stdout.write(start);
let i = 0;
const timer = setInterval(() => { if (i < ticks.length) process.stdout.write(Buffer.from(ticks[i++], 'base64')); }, 100);
process.stdin.resume();
process.stdin.on('end', () => { clearInterval(timer); process.stdout.write(end, () => process.exit(0)); });
`;
}

const connect = async (h: TestHost): Promise<HostSession> =>
  (await services.connect(`${h.facts.user}@127.0.0.1:${h.facts.port}`, scriptedPrompts(), { identityFile: h.facts.identityFile, unknownHostKey: 'accept-new' })) as HostSession;
const options = { hz: 99, seconds: 0, target: { kind: 'all' as const }, strict: false };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-capture-'));
  const sampler = join(dir, 'scripted-sampler');
  await writeFile(sampler, scriptedSampler(), { mode: 0o755 });
  dist = await makeFixtureDist({ sampler, version: '0.0.0-test' });
  [a, b] = await Promise.all([startTestHost({ sudo: 'nopasswd' }), startTestHost({ sudo: 'nopasswd' })]);
  services = createServices({ dataDir: join(dir, 'data'), distDir: dist.dir, userKnownHosts: [], keychainService: 'emberscope-test' });
  for (const h of [a, b]) {
    const s = await connect(h);
    const r = await s.runSetup({ kernelSymbols: false, allowSysAdmin: false });
    if (!r.ok) throw new Error(r.report.join('\n'));
    await s.close();
  }
}, 300_000);

afterAll(async () => {
  try {
    if (a && existsSync('/usr/local/libexec/emberscope')) {
      const s = await connect(a);
      await s.uninstall();
      await s.close();
    }
  } finally {
    await services?.close();
    if (existsSync('/usr/local/libexec/emberscope/0.0.0-test')) {
      await rm('/usr/local/libexec/emberscope', { recursive: true, force: true });
      await run('groupdel', ['emberscope']).catch(() => undefined);
    }
    await a?.stop();
    await b?.stop();
    await run('sh', ['-c', `rm -f /tmp/emberscope-scripted-${marker}-*`]);
    await rm('/root/.cache/emberscope', { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    if (dist) await rm(dist.dir, { recursive: true, force: true });
  }
});

describe('capture', () => {
  it('merges live deltas, stops, and saves to the library (time to first delta measured)', async () => {
    const session = await connect(a);
    const progress: CaptureProgress[] = [];
    const t0 = Date.now();
    let firstDeltaMs = 0;
    const handle = await services.capture.start(session, { ...options, title: 'scripted' }, (p) => {
      if (progress.length === 0) firstDeltaMs = Date.now() - t0;
      progress.push(p);
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(handle.profile().meta.sampleCount).toBeGreaterThan(0);
    const result = await handle.stop();
    console.log(`time to first delta (warm deploy, scripted sampler): ${firstDeltaMs} ms`);
    expect(result.reason).toBe('stopped');
    expect(result.summary.interrupted).toBe(false);
    expect(result.summary.samples).toBeGreaterThan(0);
    expect(result.summary.samples % 10).toBe(0);
    expect(progress.at(-1)?.samples).toBe(result.summary.samples);
    const opened = await services.library.open(result.summary.id);
    expect(opened.metadata.sampler.sha256).toBe(dist.samplerSha);
    expect(opened.metadata.agent.sha256).toBe(dist.agentSha);
    expect(opened.metadata.user).toBe(a.facts.user);
    expect(opened.profile.samples.every((s) => s.comm === 'scripted')).toBe(true);
    await session.close();
  });

  it('captures on two hosts at once; cancel saves nothing', async () => {
    const [sa, sb] = await Promise.all([connect(a), connect(b)]);
    const [ha, hb] = await Promise.all([services.capture.start(sa, options), services.capture.start(sb, options)]);
    expect(services.capture.active()).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 800));
    const before = (await services.library.list()).captures.length;
    await hb.cancel();
    await expect(hb.done).rejects.toMatchObject({ code: 'CANCELLED' });
    const ra = await ha.stop();
    expect(ra.summary.host).toBe(`127.0.0.1`);
    expect((await services.library.list()).captures.length).toBe(before + 1);
    await Promise.all([sa.close(), sb.close()]);
  });

  it('keeps everything received when the connection drops, saved as interrupted', async () => {
    const session = await connect(b);
    const handle = await services.capture.start(session, options);
    await new Promise((r) => setTimeout(r, 800));
    const seen = handle.profile().meta.sampleCount;
    expect(seen).toBeGreaterThan(0);
    // The host goes away: every process of the SSH user (sshd session, agent, sampler) is killed.
    await run('pkill', ['-KILL', '-u', b.facts.user]).catch(() => undefined);
    const result = await handle.done;
    expect(result.reason).toBe('interrupted');
    expect(result.summary.interrupted).toBe(true);
    expect(result.summary.samples).toBeGreaterThanOrEqual(seen);
    const listing = await services.library.list();
    expect(listing.captures.find((c) => c.id === result.summary.id)?.interrupted).toBe(true);
  });

  it('resolves kernel frames by default once the setup granted CAP_SYSLOG, unless the capture says no', async () => {
    const session = await connect(a);
    const argvOf = async (kernelSymbols?: boolean): Promise<string[]> => {
      const handle = await services.capture.start(session, { ...options, ...(kernelSymbols === undefined ? {} : { kernelSymbols }) });
      await new Promise((r) => setTimeout(r, 400));
      await handle.stop();
      return JSON.parse(await readFile(`/tmp/emberscope-scripted-${marker}-argv`, 'utf8')) as string[];
    };
    try {
      expect((await session.runSetup({ kernelSymbols: false, allowSysAdmin: false })).ok).toBe(true);
      expect(await argvOf()).not.toContain('--kallsyms');
      expect((await session.runSetup({ kernelSymbols: true, allowSysAdmin: false })).ok).toBe(true);
      expect(await argvOf()).toContain('--kallsyms');
      expect(await argvOf(false)).not.toContain('--kallsyms');
    } finally {
      await session.runSetup({ kernelSymbols: false, allowSysAdmin: false });
      await session.close();
    }
  });

  it('as root (This machine), the sampler runs through setpriv: non-root uid, only CAP_BPF + CAP_PERFMON, no_new_privs', async () => {
    const session = (await services.connect('local', scriptedPrompts())) as HostSession;
    expect(session.info.isRoot).toBe(true);
    const setup = await session.runSetup({ kernelSymbols: false, allowSysAdmin: false });
    expect(setup.ok).toBe(true);
    const handle = await services.capture.start(session, options);
    await new Promise((r) => setTimeout(r, 600));
    const result = await handle.stop();
    expect(result.summary.samples).toBeGreaterThan(0);
    const status = await readFile(`/tmp/emberscope-scripted-${marker}-65534`, 'utf8');
    const field = (name: string): string => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1] ?? '';
    expect(field('Uid')).toBe('65534');
    expect(field('NoNewPrivs')).toBe('1');
    // CAP_PERFMON = 38, CAP_BPF = 39
    expect(BigInt(`0x${field('CapEff')}`)).toBe((1n << 38n) | (1n << 39n));
    expect(BigInt(`0x${field('CapPrm')}`)).toBe((1n << 38n) | (1n << 39n));
    await session.close();
  });
});
