// Host-side symbolization throughput (agent-remote/src/symbolize): frames per second with a
// cold cache (binaries not parsed yet: ELF symbol tables, Go pclntab) and warm (binaries
// parsed, new addresses) and hot (addresses seen before: per-process cache hits).
// Addresses are drawn from the executable file mappings of this node process (node itself,
// libc, libstdc++...) and of a Go binary built from scripts/workloads/hot.go.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMaps } from '../agent-remote/src/symbolize/procmaps';
import { Symbolizer } from '../agent-remote/src/symbolize/symbolizer';

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export async function run(opts: { quick: boolean }): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'emberscope-bench-sym-'));
  const goSrc = join(dir, 'hot.go');
  copyFileSync(join(process.cwd(), 'scripts', 'workloads', 'hot.go'), goSrc);
  const goBin = join(dir, 'hot-go');
  execFileSync('go', ['build', '-o', goBin, goSrc], {
    env: { ...process.env, GOCACHE: join(process.env['XDG_CACHE_HOME'] ?? '/var/cache', 'emberscope-test-go'), GOFLAGS: '-buildvcs=false', GO111MODULE: 'off', GOTOOLCHAIN: 'local' },
  });
  const go = spawn(goBin, ['0', '1'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const targets = [process.pid, go.pid ?? 0].map((pid) => ({ pid, maps: readFileSync(`/proc/${pid}/maps`, 'utf8') }));
    const rnd = lcg(42);
    const n = opts.quick ? 20_000 : 200_000;
    const ips: { pid: number; ip: bigint }[] = [];
    for (const t of targets) {
      const exec = parseMaps(t.maps).filter((m) => m.perms.includes('x') && m.path.startsWith('/'));
      for (let i = 0; i < n / targets.length; i++) {
        const m = exec[Math.floor(rnd() * exec.length)];
        if (m) ips.push({ pid: t.pid, ip: BigInt(m.start + Math.floor(rnd() * (m.end - m.start))) });
      }
    }
    const rounds = opts.quick ? 3 : 5;
    const cold: number[] = [];
    const warm: number[] = [];
    const hot: number[] = [];
    let binaries = 0;
    let symbolized = 0;
    for (let r = 0; r < rounds; r++) {
      const s = new Symbolizer();
      for (const t of targets) s.setMaps(t.pid, t.maps);
      // Cold: the first 1,000 frames, which parse every binary they touch.
      const coldSet = ips.slice(0, 1000);
      let t0 = performance.now();
      for (const { pid, ip } of coldSet) s.user(pid, ip);
      cold.push(coldSet.length / ((performance.now() - t0) / 1000));
      // Warm: binaries parsed, addresses new.
      const warmSet = ips.slice(1000);
      t0 = performance.now();
      let ok = 0;
      for (const { pid, ip } of warmSet) if (s.user(pid, ip).status === 'symbolized') ok++;
      warm.push(warmSet.length / ((performance.now() - t0) / 1000));
      // Hot: the same addresses again (per-process address cache).
      t0 = performance.now();
      for (const { pid, ip } of warmSet) s.user(pid, ip);
      hot.push(warmSet.length / ((performance.now() - t0) / 1000));
      binaries = s.stats.binariesLoaded;
      symbolized = ok / warmSet.length;
    }
    const row = (name: string, xs: number[]) => ({ name, median: Math.round(median(xs)), min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)), n: xs.length, unit: 'frames/s' });
    return {
      rows: [row('cold (parsing binaries)', cold), row('warm (binaries parsed, new addresses)', warm), row('hot (cached addresses)', hot)],
      frames: ips.length,
      binariesParsed: binaries,
      symbolizedFraction: Number(symbolized.toFixed(3)),
    };
  } finally {
    go.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
