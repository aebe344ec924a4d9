// Desktop debuginfod against Debian's real `debuginfod` server (elfutils) on loopback, serving a
// directory this test builds: a stripped binary and its `objcopy --only-keep-debug` file. The
// frames come from the agent's own symbolizer run on the stripped binary while it runs, so the
// whole path is exercised: host leaves the frame unnamed (build id + ELF address), the desktop
// names it. (elfutils 0.188's debuginfod has no listen-address option: it binds every
// interface on its random port for the few seconds of the test; the client talks to 127.0.0.1.)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Symbolizer, BinaryCache } from '../../../agent-remote/src/symbolize/symbolizer';
import { profileFromParts } from '../../../core/profile/builder';
import type { Frame, Profile } from '../../../core/profile/types';
import { symbolSourceCounts } from '../../../core/profile/sources';
import { DesktopSymbols } from './index';

const SRC = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
__attribute__((noinline)) static long hidden_sum(const char *s) { long t = 0; for (size_t i = 0; i < strlen(s); i++) t += s[i]; return t; }
int main(int argc, char **argv) { (void)argv; long r = 0; for (;;) { r += hidden_sum("emberscope"); if (argc > 5) break; usleep(1000); } return (int)r; }
`;

let dir: string;
let served: string;
let bin: string;
let buildId: string;
let hiddenAt: number;
let server: ChildProcess | undefined;
let port = 0;
let prog: ChildProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function waitServed(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(url).catch(() => undefined);
    await r?.body?.cancel().catch(() => undefined);
    if (r?.status === 200) return;
    if (Date.now() > until) throw new Error(`debuginfod did not serve ${url} within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ember-debuginfod-'));
  served = join(dir, 'served');
  mkdirSync(served);
  writeFileSync(join(dir, 'prog.c'), SRC);
  const full = join(dir, 'prog-full');
  execFileSync('gcc', ['-O1', '-g', '-fno-inline', '-Wl,--build-id', '-o', full, join(dir, 'prog.c')]);
  hiddenAt = parseInt(execFileSync('nm', [full], { encoding: 'utf8' }).split('\n').find((l) => l.endsWith(' hidden_sum'))?.split(' ')[0] ?? '', 16);
  buildId = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', full], { encoding: 'utf8' }))?.[1] ?? '';
  bin = join(served, 'prog');
  execFileSync('objcopy', ['--only-keep-debug', full, join(served, 'prog.debug')]);
  execFileSync('objcopy', ['--strip-all', full, bin]);
  rmSync(full);
  port = await freePort();
  server = spawn('debuginfod', ['-F', '-p', String(port), '-d', join(dir, 'db.sqlite'), '-t', '0', '-g', '0', '-c', '1', served], { stdio: 'ignore' });
  await waitServed(`http://127.0.0.1:${port}/buildid/${buildId}/debuginfo`, 90_000);
}, 150_000);

afterAll(() => {
  prog?.kill('SIGKILL');
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** The agent's frames for the running stripped program: hidden_sum, as the host sees it. */
async function hostProfile(): Promise<Profile> {
  prog = spawn(bin, [], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 200));
  const pid = prog.pid ?? 0;
  const s = new Symbolizer({ binaryCache: new BinaryCache(), debugDirs: [join(dir, 'no-debug-here')] });
  s.observe(pid);
  const maps = execFileSync('cat', [`/proc/${pid}/maps`], { encoding: 'utf8' });
  const text = maps.split('\n').find((l) => l.includes(' r-xp ') && l.endsWith(bin));
  if (!text) throw new Error('no text mapping');
  const [range, , offset] = text.split(/\s+/);
  const start = parseInt(range?.split('-')[0] ?? '', 16);
  // hidden_sum's vaddr -> its runtime address through the text mapping (file offset == vaddr for this segment).
  const ip = BigInt(start + (hiddenAt + 3 - parseInt(offset ?? '0', 16)));
  const f = s.user(pid, ip);
  prog.kill('SIGKILL');
  prog = undefined;
  const frames: Frame[] = [
    { name: f.name, module: f.module, buildId: f.buildId, file: '', line: 0, address: f.address, kind: f.kind, status: f.status, ...(f.why ? { unnamed: f.why } : {}) },
    { name: 'other+0x10', module: '/opt/other', buildId: 'deadbeef'.repeat(5), file: '', line: 0, address: '0x10', kind: 'user', status: 'no-symbols', unnamed: 'no-symbols' },
  ];
  return profileFromParts({ start: { hz: 99 }, frames, stacks: [[0], [1]], samples: [{ stack: 0, comm: 'prog', pid, tid: pid, count: 5 }, { stack: 1, comm: 'prog', pid, tid: pid, count: 1 }] });
}

describe('debuginfod on the desktop (real elfutils debuginfod)', () => {
  it('names a frame the host left unnamed, says which were not on the server, and caches the file privately', async () => {
    const p = await hostProfile();
    expect(p.frames[0]?.status).toBe('no-symbols');
    expect(p.frames[0]?.buildId).toBe(buildId);
    const data = join(dir, 'data1');
    const sym = new DesktopSymbols({ dataDir: data, debuginfodUrls: [`http://127.0.0.1:${port}`] });
    const r = await sym.name(p);
    expect(r.named).toBe(1);
    expect(r.unnamed).toEqual({ 'not-on-server': 1 });
    const named = r.profile.frames.find((f) => f.buildId === buildId);
    expect([named?.name, named?.source, named?.status]).toEqual(['hidden_sum', 'debuginfod', 'symbolized']);
    expect(r.profile.frames.find((f) => f.module === '/opt/other')?.unnamed).toBe('not-on-server');
    expect(symbolSourceCounts(r.profile).named).toEqual({ debuginfod: { frames: 1, leafSamples: 5 } });
    const cached = join(data, 'debuginfod', buildId, 'debuginfo');
    expect(statSync(cached).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, 'debuginfod')).mode & 0o777).toBe(0o700);

    // Served from the cache when no server answers.
    const offline = new DesktopSymbols({ dataDir: data, debuginfodUrls: [`http://127.0.0.1:${await freePort()}`] });
    expect((await offline.name(p)).named).toBe(1);
  });

  it('counts an unreachable server and a file over the size bound, and names nothing then', async () => {
    const p = await hostProfile();
    const down = await new DesktopSymbols({ dataDir: join(dir, 'data2'), debuginfodUrls: [`http://127.0.0.1:${await freePort()}`], timeoutMs: 5000 }).name(p);
    expect(down.named).toBe(0);
    expect(down.unnamed['server-unreachable']).toBe(2);
    const small = await new DesktopSymbols({ dataDir: join(dir, 'data3'), debuginfodUrls: [`http://127.0.0.1:${port}`], maxBytes: 100 }).name(p);
    expect(small.named).toBe(0);
    expect(small.unnamed['too-large']).toBe(1);
    expect(existsSync(join(dir, 'data3', 'debuginfod', buildId, 'debuginfo'))).toBe(false);
  });

  it('applies the host strict redaction to names found on the desktop', async () => {
    const p = await hostProfile();
    const r = await new DesktopSymbols({ dataDir: join(dir, 'data4'), debuginfodUrls: [`http://127.0.0.1:${port}`] }).name(p, { strict: true, preset: 'strict', patterns: ['hidden'] });
    const f = r.profile.frames.find((x) => x.buildId === buildId || x.source === 'debuginfod');
    expect(f?.status).toBe('symbolized');
    expect(f?.name).not.toContain('hidden_sum');
  });
});
