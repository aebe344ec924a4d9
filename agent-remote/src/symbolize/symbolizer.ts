// Host-side symbolization of sampler stacks: user frames through the process's memory maps
// (captured at first sight of a pid, or given by the sampler's MAPS record) and the ELF
// .symtab/.dynsym or Go pclntab of the mapped file; JIT frames through /tmp/perf-PID.map;
// kernel frames through /proc/kallsyms (or the sampler's KALLSYMS record); build-id frames
// through the binaries seen in the maps. Binaries are cached by path+dev+inode+mtime+size
// (and indexed by build id); per-process state is dropped when a pid is reused (start time in
// /proc/PID/stat changed, or the sampler sent new maps).
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { ElfFile, fileSource, lookupSymbol, type SymbolTable } from './elf';
import { lookupGoFunc, type GoFuncTable } from './gopclntab';
import { HIDDEN_KERNEL_SYMBOLS, kernelOffset, kernelSymbolModule, kernelSymbolName, lookupKernel, readKallsyms, type KernelSymbols } from './kallsyms';
import { lookupPerfMap, perfMapPath, readPerfMap, type PerfMap } from './perfmap';
import { findMapping, isFileMapping, parseMaps, type Mapping } from './procmaps';
import type { FrameKind, FrameStatus, SymbolSource, UnnamedReason } from '../../../core/profile/types';
import { demangle } from './demangle';
import { findDebugFile } from './debugfile';
import { miniDebugInfoSymbols } from './minidebuginfo';
import { mergeSymbols, originName } from './symbolmerge';


export interface ResolvedFrame {
  name: string;
  module: string;
  buildId: string;
  /** '0x...' (module-relative; the symbol's start when symbolized), '' unknown. */
  address: string;
  kind: FrameKind;
  status: FrameStatus;
  /** Raw symbol when it differs from name. */
  mangled: string;
  /** The table that named it (named frames). */
  source?: SymbolSource;
  /** Why it stayed unnamed (unnamed frames). */
  why?: UnnamedReason;
}

export interface BinaryInfo {
  path: string;
  ok: boolean;
  error: string;
  buildId: string;
  symbols: SymbolTable | undefined;
  go: GoFuncTable | undefined;
  /** file offset -> vaddr translation (PT_LOAD); identity when absent. */
  toVaddr: (off: number) => number;
  hasDwarf: boolean;
  /** Origin of symbols without a per-symbol origin (a table not merged). */
  baseOrigin: 'symtab' | 'dynsym';
  /** The debug file whose symbols were merged in ('' none), as inside the process's root. */
  debugFile: string;
  /** MiniDebugInfo symbols were merged in. */
  miniDebugInfo: boolean;
  /** Debug files found but ignored: build id differed / debuglink CRC differed. */
  debugBuildIdMismatch: number;
  debugCrcMismatch: number;
  /** MiniDebugInfo present but unreadable (corrupt, too large): the message. */
  miniDebugInfoError: string;
  /** Demangled names by symbol index (demangling once per symbol). */
  demangled?: Map<number, string>;
  /** Dropped from the cache (memory bound): per-process references re-fetch it. */
  evicted?: boolean;
}

interface ProcState {
  tgid: number;
  startTime: string;
  maps: Mapping[];
  mapsSource: 'sampler' | 'proc' | 'none';
  mapsError: string;
  uid: number | undefined;
  perfMap: PerfMap | undefined;
  perfMapCheckedMs: number;
  /** Resolved frames by ip (a number: user addresses are below 2^53; larger ones are not cached). */
  cache: Map<number, ResolvedFrame>;
  /** Binaries of this process's mappings, by mapping start (saves a stat per lookup). */
  bins: Map<number, BinaryInfo>;
  comm: string;
  exe: string;
}

export interface SymbolizerOptions {
  /** Resolve kernel frames when kallsyms is readable (default true). */
  kernelSymbols?: boolean;
  /** Read kernel symbols from here (tests); default /proc/kallsyms. */
  kallsymsPath?: string;
  /** Max binaries kept parsed (a private cache; default: the agent's shared cache). */
  maxBinaries?: number;
  /** Max symbols (ELF + Go functions) kept parsed over all binaries: the memory bound of the cache (a private cache; default: the shared one). */
  maxSymbols?: number;
  /** The binary cache to use (default: the shared one, or a private one when maxBinaries/maxSymbols are given). */
  binaryCache?: BinaryCache;
  /** Max cached ips per process. */
  maxIpsPerProcess?: number;
  /** Max processes tracked. */
  maxProcesses?: number;
  /** Proc root (tests). */
  procRoot?: string;
  /** Where separate debug files are looked for (default /usr/lib/debug); [] turns debug files off. */
  debugDirs?: string[];
  /** Read MiniDebugInfo (.gnu_debugdata) of binaries without .symtab (default true). */
  miniDebugInfo?: boolean;
}

export interface SymbolizerStats {
  binariesLoaded: number;
  binaryErrors: number;
  processes: number;
  lookups: number;
  cacheHits: number;
}

/** How one binary is loaded: where its debug files may be. */
export interface LoadOptions {
  /** The process's root on the host ('/' or /proc/PID/root): debug files are looked for inside it. */
  root: string;
  debugDirs: readonly string[];
  miniDebugInfo: boolean;
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

/** Start time of a process (field 22 of /proc/PID/stat), '' when gone. */
export function processStartTime(pid: number, procRoot = '/proc'): string {
  try {
    const s = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
    const close = s.lastIndexOf(')');
    const fields = s.slice(close + 2).split(' ');
    return fields[19] ?? '';
  } catch {
    return '';
  }
}

/**
 * Parsed binaries by path+dev+inode+size+mtime (and by build id), bounded by count and by total
 * symbols (least recently used first out). One cache is shared by the captures of an agent
 * process: a binary's symbols do not change while its identity stays the same, so a second
 * capture does not parse node or libc again.
 */
export class BinaryCache {
  readonly binaries = new Map<string, BinaryInfo>();
  readonly byBuildId = new Map<string, BinaryInfo>();
  private symbolCount = 0;

  constructor(
    readonly maxBinaries = 512,
    readonly maxSymbols = 4_000_000,
  ) {}

  get(key: string): BinaryInfo | undefined {
    const hit = this.binaries.get(key);
    if (hit) {
      this.binaries.delete(key);
      this.binaries.set(key, hit);
    }
    return hit;
  }

  add(key: string, info: BinaryInfo): void {
    const size = symbolsOf(info);
    while (this.binaries.size > 0 && (this.binaries.size >= this.maxBinaries || this.symbolCount + size > this.maxSymbols)) {
      const oldest = this.binaries.keys().next();
      if (oldest.done) break;
      const evicted = this.binaries.get(oldest.value);
      this.binaries.delete(oldest.value);
      if (evicted) {
        evicted.evicted = true;
        this.symbolCount -= symbolsOf(evicted);
        if (this.byBuildId.get(evicted.buildId) === evicted) this.byBuildId.delete(evicted.buildId);
      }
    }
    this.binaries.set(key, info);
    this.symbolCount += size;
    if (info.buildId) this.byBuildId.set(info.buildId, info);
  }
}

let sharedCache: BinaryCache | undefined;

/** The agent's binary cache, shared by its captures. */
export function sharedBinaryCache(): BinaryCache {
  sharedCache ??= new BinaryCache();
  return sharedCache;
}

export class Symbolizer {
  private readonly cache: BinaryCache;
  /** Binaries this symbolizer used (seenBinaries: only this capture's). */
  private readonly used = new WeakSet<BinaryInfo>();
  private readonly procs = new Map<number, ProcState>();
  private kernel: KernelSymbols | undefined;
  /** Resolved kernel frames by ip (the same object for the same ip: the aggregator remembers its id). */
  private readonly kernelCache = new Map<bigint, ResolvedFrame>();
  private kernelCacheOf: KernelSymbols | undefined;
  private readonly opts: Required<Omit<SymbolizerOptions, 'binaryCache'>>;
  /** Debug-file outcomes of the binaries this symbolizer loaded. */
  readonly debugStats = { debugFiles: 0, miniDebugInfo: 0, buildIdMismatch: 0, crcMismatch: 0, miniDebugInfoErrors: 0 };
  readonly stats: SymbolizerStats = { binariesLoaded: 0, binaryErrors: 0, processes: 0, lookups: 0, cacheHits: 0 };

  constructor(options: SymbolizerOptions = {}) {
    this.opts = {
      kernelSymbols: options.kernelSymbols ?? true,
      kallsymsPath: options.kallsymsPath ?? '/proc/kallsyms',
      maxBinaries: options.maxBinaries ?? 512,
      maxSymbols: options.maxSymbols ?? 4_000_000,
      maxIpsPerProcess: options.maxIpsPerProcess ?? 200_000,
      maxProcesses: options.maxProcesses ?? 20_000,
      procRoot: options.procRoot ?? '/proc',
      debugDirs: options.debugDirs ?? ['/usr/lib/debug'],
      miniDebugInfo: options.miniDebugInfo ?? true,
    };
    this.cache =
      options.binaryCache ??
      (options.maxBinaries !== undefined || options.maxSymbols !== undefined ? new BinaryCache(this.opts.maxBinaries, this.opts.maxSymbols) : sharedBinaryCache());
  }

  /**
   * Kernel symbols given by someone with CAP_SYSLOG (the sampler's KALLSYMS record). A hidden
   * table (the sampler saw zeros too) does not replace what this process can read itself.
   */
  setKernelSymbols(k: KernelSymbols): void {
    if (k.hidden) return;
    this.kernel = k;
  }

  kernelHidden(): boolean {
    return this.loadKernel().hidden;
  }

  private loadKernel(): KernelSymbols {
    if (!this.kernel) {
      this.kernel = this.opts.kernelSymbols
        ? readKallsyms(this.opts.kallsymsPath)
        : HIDDEN_KERNEL_SYMBOLS;
    }
    return this.kernel;
  }

  /** Maps of a process as sent by the sampler (MAPS record): a new process for that tgid. */
  setMaps(tgid: number, text: string): void {
    const st = this.newProc(tgid);
    st.maps = parseMaps(text);
    st.mapsSource = 'sampler';
    st.bins.clear();
    // A short-lived process may be gone already: its executable as the maps name it.
    if (!st.exe) st.exe = st.maps.find((m) => isFileMapping(m) && m.perms.includes('x'))?.path ?? '';
  }

  /** Called at first sight of a pid and once per interval: captures maps, detects pid reuse. */
  observe(tgid: number, comm = ''): void {
    const st = this.procs.get(tgid);
    if (!st) {
      const fresh = this.newProc(tgid);
      fresh.comm = comm;
      this.readProcMaps(fresh);
      return;
    }
    if (comm && !st.comm) st.comm = comm;
  }

  /** Re-checks the start time of a known process; a changed one means the pid was reused. */
  checkReuse(tgid: number): boolean {
    const st = this.procs.get(tgid);
    if (!st) return false;
    const now = processStartTime(tgid, this.opts.procRoot);
    if (now === '' || st.startTime === '' || now === st.startTime) return false;
    const fresh = this.newProc(tgid);
    this.readProcMaps(fresh);
    if (fresh.mapsSource === 'none' && st.mapsSource === 'sampler') {
      // Not readable by the agent: keep the sampler's maps until it sends the new process's.
      fresh.maps = st.maps;
      fresh.mapsSource = 'sampler';
    }
    return true;
  }

  processInfo(tgid: number): { comm: string; exe: string; startTime: string } | undefined {
    const st = this.procs.get(tgid);
    return st ? { comm: st.comm, exe: st.exe, startTime: st.startTime } : undefined;
  }

  private newProc(tgid: number): ProcState {
    if (this.procs.size >= this.opts.maxProcesses && !this.procs.has(tgid)) {
      const oldest = this.procs.keys().next().value;
      if (oldest !== undefined) this.procs.delete(oldest);
    }
    let uid: number | undefined;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`${this.opts.procRoot}/${tgid}/status`, 'latin1'));
      if (m?.[1]) uid = Number(m[1]);
    } catch {
      uid = undefined;
    }
    let exe = '';
    try {
      exe = readlinkSync(`${this.opts.procRoot}/${tgid}/exe`);
    } catch {
      exe = '';
    }
    const st: ProcState = {
      tgid,
      startTime: processStartTime(tgid, this.opts.procRoot),
      maps: [],
      mapsSource: 'none',
      mapsError: '',
      uid,
      perfMap: undefined,
      perfMapCheckedMs: 0,
      cache: new Map(),
      bins: new Map(),
      comm: '',
      exe,
    };
    this.procs.delete(tgid);
    this.procs.set(tgid, st);
    this.stats.processes++;
    return st;
  }

  private readProcMaps(st: ProcState): void {
    try {
      st.maps = parseMaps(readFileSync(`${this.opts.procRoot}/${st.tgid}/maps`, 'latin1'));
      st.mapsSource = 'proc';
      if (!st.exe) st.exe = st.maps.find((m) => isFileMapping(m) && m.perms.includes('x'))?.path ?? '';
    } catch (e) {
      st.mapsError = (e as NodeJS.ErrnoException).code ?? 'error';
    }
  }

  /** A binary by path, parsed once (cached by path, device, inode, size and mtime). */
  binary(path: string, tgid?: number): BinaryInfo {
    let file = path;
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(file);
    } catch {
      if (tgid !== undefined) {
        file = `${this.opts.procRoot}/${tgid}/root${path}`;
        try {
          st = statSync(file);
        } catch {
          st = undefined;
        }
      }
    }
    // A missing file is not cached across captures (it may appear later).
    const key = st ? `${path}\0${st.dev}\0${st.ino}\0${st.size}\0${st.mtimeMs}` : `${path}\0missing`;
    const hit = this.cache.get(key);
    if (hit && (st || this.used.has(hit))) {
      this.used.add(hit);
      return hit;
    }
    const root = file === path ? '/' : `${this.opts.procRoot}/${tgid ?? 0}/root`;
    const info = loadBinary(path, file, st === undefined, { root, debugDirs: this.opts.debugDirs, miniDebugInfo: this.opts.miniDebugInfo });
    if (info.ok) this.stats.binariesLoaded++;
    else this.stats.binaryErrors++;
    const d = this.debugStats;
    if (info.debugFile) d.debugFiles++;
    if (info.miniDebugInfo) d.miniDebugInfo++;
    d.buildIdMismatch += info.debugBuildIdMismatch;
    d.crcMismatch += info.debugCrcMismatch;
    if (info.miniDebugInfoError) d.miniDebugInfoErrors++;
    this.cache.add(key, info);
    this.used.add(info);
    return info;
  }

  /** Resolves one user-space ip of process `tgid`. */
  user(tgid: number, ip: bigint): ResolvedFrame {
    this.stats.lookups++;
    let st = this.procs.get(tgid);
    if (!st) {
      this.observe(tgid);
      st = this.procs.get(tgid);
    }
    if (!st) return unknownFrame(ip, 'unreadable');
    // Number keys hash much faster than BigInt ones.
    const key = ip <= MAX_SAFE_BIG ? Number(ip) : -1;
    const hit = key >= 0 ? st.cache.get(key) : undefined;
    if (hit) {
      this.stats.cacheHits++;
      return hit;
    }
    const f = this.resolveUser(st, ip);
    if (key >= 0 && st.cache.size < this.opts.maxIpsPerProcess) st.cache.set(key, f);
    return f;
  }

  private resolveUser(st: ProcState, ip: bigint): ResolvedFrame {
    if (ip > BigInt(Number.MAX_SAFE_INTEGER)) return unknownFrame(ip, 'no-symbols');
    const addr = Number(ip);
    const m = findMapping(st.maps, addr);
    if (m && isFileMapping(m) && !m.path.endsWith(' (deleted)')) {
      const fileOff = addr - m.start + m.offset;
      let bin = st.bins.get(m.start);
      if (!bin || bin.evicted) {
        bin = this.binary(m.path, st.tgid);
        if (st.bins.size < 4096) st.bins.set(m.start, bin);
      }
      return resolveInBinary(bin, m.path, fileOff);
    }
    // Anonymous executable memory: JIT code (perf map), or unknown.
    const jit = this.jit(st, addr);
    if (jit) return jit;
    if (m) {
      return {
        name: `${m.path ? basename(m.path) : '[anon]'}+${hex(addr - m.start)}`,
        module: m.path,
        buildId: '',
        address: hex(addr - m.start),
        kind: m.path.endsWith(' (deleted)') ? 'user' : 'unknown',
        status: m.path.endsWith(' (deleted)') ? 'unreadable' : 'no-symbols',
        mangled: '',
        why: m.path.endsWith(' (deleted)') ? 'unreadable' : 'no-symbols',
      };
    }
    return unknownFrame(ip, st.mapsSource === 'none' ? 'unreadable' : 'no-symbols');
  }

  private jit(st: ProcState, addr: number): ResolvedFrame | undefined {
    // (Re)read the perf map at most once a second per process, also while it does not exist:
    // a process without one would otherwise cost a failed stat per new address.
    const now = Date.now();
    if (now - st.perfMapCheckedMs > 1000 && (!st.perfMap || lookupPerfMap(st.perfMap, addr) < 0)) {
      st.perfMapCheckedMs = now;
      st.perfMap = readPerfMap(st.tgid, st.uid, st.perfMap);
    }
    if (!st.perfMap) return undefined;
    const i = lookupPerfMap(st.perfMap, addr);
    if (i < 0) return undefined;
    const raw = st.perfMap.names[i] ?? '';
    return {
      name: raw,
      module: perfMapPath(st.tgid),
      buildId: '',
      address: hex(st.perfMap.starts[i] ?? 0),
      kind: 'jit',
      status: 'jit',
      mangled: '',
      source: 'perf-map',
    };
  }

  /** A build-id frame (BPF_F_USER_BUILD_ID): build id + file offset. */
  buildIdFrame(tgid: number, buildId: string, offset: bigint): ResolvedFrame {
    this.stats.lookups++;
    let bin = this.cache.byBuildId.get(buildId);
    if (bin) this.used.add(bin);
    if (!bin) {
      const st = this.procs.get(tgid);
      for (const m of st?.maps ?? []) {
        if (!isFileMapping(m)) continue;
        const b = this.binary(m.path, tgid);
        if (b.buildId === buildId) {
          bin = b;
          break;
        }
      }
    }
    const off = offset > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(offset);
    if (!bin) {
      return {
        name: `[build-id ${buildId.slice(0, 12)}]+${hex(off)}`,
        module: '',
        buildId,
        address: hex(off),
        kind: 'user',
        status: 'unreadable',
        mangled: '',
        why: 'unreadable',
      };
    }
    return resolveInBinary(bin, bin.path, off);
  }

  /** Resolves kernel ips (cached by ip); hidden kernels give one '[kernel]' frame per stack (see kernelStack). */
  kernelFrame(ip: bigint): ResolvedFrame {
    this.stats.lookups++;
    const k = this.loadKernel();
    if (this.kernelCacheOf !== k) {
      this.kernelCache.clear();
      this.kernelCacheOf = k;
    }
    const hit = this.kernelCache.get(ip);
    if (hit) {
      this.stats.cacheHits++;
      return hit;
    }
    const f = this.resolveKernel(k, ip);
    if (this.kernelCache.size >= this.opts.maxIpsPerProcess) this.kernelCache.clear();
    this.kernelCache.set(ip, f);
    return f;
  }

  private resolveKernel(k: KernelSymbols, ip: bigint): ResolvedFrame {
    const off = kernelOffset(ip);
    if (k.hidden || off === undefined) return hiddenKernelFrame();
    const i = lookupKernel(k, off);
    if (i < 0) {
      return { name: `[kernel]+${ip.toString(16)}`, module: '[kernel.kallsyms]', buildId: '', address: '0x' + ip.toString(16), kind: 'kernel', status: 'no-symbols', mangled: '', why: 'outside-symbols' };
    }
    const mod = kernelSymbolModule(k, i);
    return {
      name: kernelSymbolName(k, i),
      module: mod ? `[${mod}]` : '[kernel.kallsyms]',
      buildId: '',
      address: '0x' + (KERNEL_BASE_BIG + BigInt(k.addrs[i] ?? 0)).toString(16),
      kind: 'kernel',
      status: 'symbolized',
      mangled: '',
      source: 'kallsyms',
    };
  }

  /** Frames of a kernel stack, leaf-first; a hidden kernel collapses into one frame. */
  kernelStack(ips: readonly bigint[]): ResolvedFrame[] {
    if (ips.length === 0) return [];
    if (this.loadKernel().hidden) return [hiddenKernelFrame()];
    return ips.map((ip) => this.kernelFrame(ip));
  }

  /** Paths of the executables seen (for Posture's debug-symbols evidence). */
  seenBinaries(): BinaryInfo[] {
    return [...this.cache.binaries.values()].filter((b) => this.used.has(b));
  }
}

const KERNEL_BASE_BIG = 0xffff000000000000n;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

function symbolsOf(b: BinaryInfo): number {
  return (b.symbols?.count ?? 0) + (b.go ? b.go.entries.length : 0);
}

const HIDDEN_KERNEL: ResolvedFrame = Object.freeze({ name: '[kernel]', module: '[kernel.kallsyms]', buildId: '', address: '', kind: 'kernel', status: 'kernel-hidden', mangled: '', why: 'kernel-hidden' });

/** One shared object: the aggregator finds its frame id without building a key. */
function hiddenKernelFrame(): ResolvedFrame {
  return HIDDEN_KERNEL;
}

function unknownFrame(ip: bigint, status: FrameStatus): ResolvedFrame {
  return { name: `[unknown]+0x${ip.toString(16)}`, module: '', buildId: '', address: '0x' + ip.toString(16), kind: 'unknown', status, mangled: '', why: status === 'unreadable' ? 'unreadable' : 'no-symbols' };
}

const NO_DEBUG: LoadOptions = { root: '/', debugDirs: [], miniDebugInfo: false };

export function loadBinary(path: string, file: string, missing: boolean, load: LoadOptions = NO_DEBUG): BinaryInfo {
  const base: BinaryInfo = {
    path, ok: false, error: '', buildId: '', symbols: undefined, go: undefined, toVaddr: (o) => o, hasDwarf: false,
    baseOrigin: 'symtab', debugFile: '', miniDebugInfo: false, debugBuildIdMismatch: 0, debugCrcMismatch: 0, miniDebugInfoError: '',
  };
  if (missing) return { ...base, error: 'missing' };
  let elf: ElfFile;
  try {
    elf = new ElfFile(fileSource(file));
  } catch (e) {
    return { ...base, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
  try {
    const buildId = elf.buildId();
    let symbols = elf.functionSymbols('symtab');
    const extra: Partial<BinaryInfo> = {};
    if (symbols.count === 0) {
      // Stripped: .dynsym, completed by a debug file or MiniDebugInfo where one matches.
      symbols = elf.functionSymbols('dynsym');
      extra.baseOrigin = 'dynsym';
      const found = load.debugDirs.length > 0 ? findDebugFile({ root: load.root, binaryPath: path, buildId, link: elf.debugLink(), debugDirs: load.debugDirs }) : undefined;
      if (found) {
        extra.debugBuildIdMismatch = found.buildIdMismatch;
        extra.debugCrcMismatch = found.crcMismatch;
      }
      if (found?.symbols) {
        symbols = mergeSymbols(symbols, 'dynsym', found.symbols, 'debug-file');
        extra.debugFile = found.path;
      } else if (load.miniDebugInfo && elf.hasSection('.gnu_debugdata')) {
        try {
          const mini = miniDebugInfoSymbols(elf);
          if (mini) {
            symbols = mergeSymbols(symbols, 'dynsym', mini, 'minidebuginfo');
            extra.miniDebugInfo = true;
          }
        } catch (e) {
          extra.miniDebugInfoError = (e as Error).message;
        }
      }
    }
    // Go binaries: the pclntab knows every function, also when the symbol table is stripped.
    const isGo = elf.hasSection('.gopclntab') || elf.hasSection('.go.buildinfo') || elf.hasSection('.note.go.buildid');
    const go = isGo || symbols.count === 0 ? elf.goFunctions() : undefined;
    const segments = elf.segments.filter((p) => p.type === 1);
    return {
      ...base,
      ...extra,
      ok: true,
      buildId,
      symbols: symbols.count > 0 ? symbols : undefined,
      go,
      hasDwarf: elf.hasSection('.debug_info') || elf.hasSection('.zdebug_info'),
      toVaddr: (off) => {
        for (const p of segments) if (off >= p.offset && off < p.offset + Math.max(p.filesz, p.memsz)) return off - p.offset + p.vaddr;
        return off;
      },
    };
  } catch (e) {
    return { ...base, error: (e as Error).message };
  } finally {
    elf.close();
  }
}

/** Why a frame of this binary stayed unnamed. */
function unnamedWhy(bin: BinaryInfo): UnnamedReason {
  if (bin.debugBuildIdMismatch > 0) return 'build-id-mismatch';
  if (bin.debugCrcMismatch > 0) return 'crc-mismatch';
  return 'no-symbols';
}

export function resolveInBinary(bin: BinaryInfo, modulePath: string, fileOff: number): ResolvedFrame {
  if (!bin.ok) {
    return {
      name: `${basename(modulePath)}+${hex(fileOff)}`,
      module: modulePath,
      buildId: bin.buildId,
      address: hex(fileOff),
      kind: 'user',
      status: 'unreadable',
      mangled: '',
      why: 'unreadable',
    };
  }
  const vaddr = bin.toVaddr(fileOff);
  // Prefer Go's table for Go binaries (complete and exact); ELF symbols otherwise.
  if (bin.go) {
    const i = lookupGoFunc(bin.go, vaddr);
    if (i >= 0) {
      const name = bin.go.name(i);
      if (name) {
        return { name, module: modulePath, buildId: bin.buildId, address: hex(bin.go.entries[i] ?? vaddr), kind: 'user', status: 'symbolized', mangled: '', source: 'pclntab' };
      }
    }
  }
  if (bin.symbols) {
    const i = lookupSymbol(bin.symbols, vaddr);
    if (i >= 0) {
      const raw = bin.symbols.name(i);
      bin.demangled ??= new Map();
      let name = bin.demangled.get(i);
      if (name === undefined) {
        name = demangle(raw);
        bin.demangled.set(i, name);
      }
      return {
        name,
        module: modulePath,
        buildId: bin.buildId,
        address: hex(bin.symbols.addrs[i] ?? vaddr),
        kind: 'user',
        status: 'symbolized',
        mangled: name !== raw ? raw : '',
        source: originName(bin.symbols.origins?.[i] ?? 0) || bin.baseOrigin,
      };
    }
  }
  // Unnamed: the name shows the file offset (as perf does), the address is the ELF virtual
  // address, what a debug file of this build id (debuginfod, a desktop directory) is indexed by.
  return {
    name: `${basename(modulePath)}+${hex(fileOff)}`,
    module: modulePath,
    buildId: bin.buildId,
    address: hex(vaddr),
    kind: 'user',
    status: 'no-symbols',
    mangled: '',
    why: unnamedWhy(bin),
  };
}
