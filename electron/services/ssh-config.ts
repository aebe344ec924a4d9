// OpenSSH client configuration (ssh_config(5)), the part Emberscope needs: Host blocks with
// patterns (`*`, `?`, `!negation`), HostName, User, Port, IdentityFile (with `~` and the common
// %-tokens), IdentitiesOnly, ProxyJump (chains, `user@host:port`, `ssh://` items, `none`) and
// Include (globs, nested, also inside Host blocks). The first value obtained wins, except
// IdentityFile which accumulates, like OpenSSH. `Match` blocks are not evaluated: their
// directives are skipped (except `Match all`), which is what a conservative client can do.
// The parser never throws on any input: problems are collected as `problems`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, hostname as localHostname, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';

export interface Directive {
  /** Lower-case keyword. */
  readonly keyword: string;
  readonly args: readonly string[];
  /** Host pattern lists that must all match (outer Include context first). */
  readonly conditions: readonly (readonly string[])[];
  /** Inside a Match block other than `Match all`: never applies. */
  readonly inactive: boolean;
  readonly file: string;
  readonly line: number;
}

export interface SshConfig {
  readonly directives: readonly Directive[];
  readonly problems: readonly string[];
}

export interface ConfigFs {
  readFile(path: string): string | undefined;
  /** Files matching a glob whose wildcards are only in the last path component. */
  glob(pattern: string): string[];
}

export const nodeConfigFs: ConfigFs = {
  readFile(path) {
    try {
      if (!statSync(path).isFile()) return undefined;
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  glob(pattern) {
    if (!/[*?[]/.test(pattern)) return [pattern];
    const dir = dirname(pattern);
    const base = basename(pattern);
    if (/[*?[]/.test(dir)) return [];
    try {
      return readdirSync(dir)
        .filter((name) => matchPattern(name, base, false))
        .sort()
        .map((name) => join(dir, name));
    } catch {
      return [];
    }
  },
};

const MAX_INCLUDE_DEPTH = 16;
const MAX_LINE = 16 * 1024;

/** Splits a configuration line into words: whitespace separated, `"quoted words"`, `key=value`. */
export function splitWords(line: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  const n = line.length;
  let first = true;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    if (line[i] === '#') break;
    let word = '';
    if (line[i] === '"') {
      i++;
      const end = line.indexOf('"', i);
      if (end < 0) return undefined;
      word = line.slice(i, end);
      i = end + 1;
    } else {
      while (i < n && line[i] !== ' ' && line[i] !== '\t' && !(first && line[i] === '=')) {
        if (line[i] === '"') {
          const end = line.indexOf('"', i + 1);
          if (end < 0) return undefined;
          word += line.slice(i + 1, end);
          i = end + 1;
          continue;
        }
        word += line[i];
        i++;
      }
    }
    words.push(word);
    if (first) {
      // `Keyword = value`, `Keyword=value`, `Keyword value`
      while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
      if (line[i] === '=') i++;
      first = false;
    }
  }
  return words;
}

export function parseSshConfig(text: string, options: { file?: string; fs?: ConfigFs; home?: string } = {}): SshConfig {
  const problems: string[] = [];
  const directives: Directive[] = [];
  const fs = options.fs ?? nodeConfigFs;
  const home = options.home ?? homedir();
  parseInto(text, options.file ?? '<config>', [], 0, { fs, home, problems, directives, userConfig: true });
  return { directives, problems };
}

export function loadSshConfig(path: string, options: { fs?: ConfigFs; home?: string } = {}): SshConfig {
  const fs = options.fs ?? nodeConfigFs;
  const text = fs.readFile(path);
  if (text === undefined) return { directives: [], problems: [] };
  return parseSshConfig(text, { file: path, fs, ...(options.home !== undefined ? { home: options.home } : {}) });
}

interface ParseCtx {
  fs: ConfigFs;
  home: string;
  problems: string[];
  directives: Directive[];
  userConfig: boolean;
}

function parseInto(text: string, file: string, outer: readonly (readonly string[])[], depth: number, ctx: ParseCtx): void {
  let conditions: readonly (readonly string[])[] = outer;
  let inactive = false;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? '';
    const lineNo = index + 1;
    if (raw.length > MAX_LINE) {
      ctx.problems.push(`${file}:${lineNo}: line too long, ignored`);
      continue;
    }
    const words = splitWords(raw);
    if (words === undefined) {
      ctx.problems.push(`${file}:${lineNo}: unbalanced quotes, ignored`);
      continue;
    }
    if (words.length === 0) continue;
    const keyword = (words[0] ?? '').toLowerCase();
    const args = words.slice(1);
    if (keyword === '') continue;
    if (keyword === 'host') {
      if (args.length === 0) {
        ctx.problems.push(`${file}:${lineNo}: Host without patterns`);
        conditions = [...outer, ['!*']];
      } else {
        conditions = [...outer, args];
      }
      inactive = false;
      continue;
    }
    if (keyword === 'match') {
      conditions = outer;
      inactive = !(args.length === 1 && args[0]?.toLowerCase() === 'all');
      if (inactive) ctx.problems.push(`${file}:${lineNo}: Match blocks are not evaluated; its settings are ignored`);
      continue;
    }
    if (keyword === 'include') {
      if (inactive) continue;
      if (depth >= MAX_INCLUDE_DEPTH) {
        ctx.problems.push(`${file}:${lineNo}: Include nested too deeply, ignored`);
        continue;
      }
      for (const arg of args) {
        let pattern = expandTilde(arg, ctx.home);
        if (!isAbsolute(pattern)) pattern = ctx.userConfig ? join(ctx.home, '.ssh', pattern) : join('/etc/ssh', pattern);
        for (const path of ctx.fs.glob(pattern)) {
          const included = ctx.fs.readFile(path);
          if (included === undefined) continue;
          parseInto(included, path, conditions, depth + 1, ctx);
        }
      }
      continue;
    }
    ctx.directives.push({ keyword, args, conditions, inactive, file, line: lineNo });
  }
}

/** OpenSSH wildcard match: `*` any run, `?` one character. */
export function matchPattern(text: string, pattern: string, caseInsensitive = true): boolean {
  const t = caseInsensitive ? text.toLowerCase() : text;
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  // Iterative glob match with backtracking on the last star.
  let ti = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      ti++;
      pi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** A Host pattern list: at least one positive match and no negated match. */
export function matchPatternList(host: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const entry of patterns) {
    for (const pattern of entry.split(',')) {
      if (pattern === '') continue;
      if (pattern.startsWith('!')) {
        if (matchPattern(host, pattern.slice(1))) return false;
      } else if (matchPattern(host, pattern)) {
        matched = true;
      }
    }
  }
  return matched;
}

export interface JumpHost {
  readonly user: string;
  readonly host: string;
  /** 0 = from the config of that host, or 22. */
  readonly port: number;
}

export interface ResolvedHost {
  /** The name given (alias). */
  readonly alias: string;
  readonly hostName: string;
  /** '' = not configured (the caller uses the local user name). */
  readonly user: string;
  /** 0 = not configured (22). */
  readonly port: number;
  readonly identityFiles: readonly string[];
  readonly identitiesOnly: boolean;
  /** Jump hosts in order (first is connected to first); [] = direct. */
  readonly proxyJump: readonly JumpHost[];
  /** ProxyJump as written ('' = none). */
  readonly proxyJumpText: string;
  readonly userKnownHostsFiles: readonly string[];
  readonly strictHostKeyChecking: string;
  readonly connectTimeoutSeconds: number;
}

/** Parses one ProxyJump item: `[user@]host[:port]`, `[user@][v6addr]:port`, `ssh://[user@]host[:port]`. */
export function parseJumpItem(item: string): JumpHost | undefined {
  let s = item.trim();
  if (s === '') return undefined;
  if (s.toLowerCase().startsWith('ssh://')) s = s.slice(6).replace(/\/$/, '');
  let user = '';
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
    if (user === '') return undefined;
  }
  let host = s;
  let port = 0;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1] ?? '';
    port = bracket[2] !== undefined ? Number(bracket[2]) : 0;
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0 && s.indexOf(':') === colon) {
      const p = s.slice(colon + 1);
      if (!/^\d{1,5}$/.test(p)) return undefined;
      host = s.slice(0, colon);
      port = Number(p);
    }
  }
  if (host === '' || /[\s/]/.test(host) || port > 65535) return undefined;
  return { user, host, port };
}

export function parseProxyJump(value: string): JumpHost[] | undefined {
  if (value.toLowerCase() === 'none' || value === '') return [];
  const items = value.split(',');
  const out: JumpHost[] = [];
  for (const item of items) {
    const jump = parseJumpItem(item);
    if (!jump) return undefined;
    out.push(jump);
  }
  return out;
}

export function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

export interface TokenValues {
  home: string;
  localUser: string;
  remoteUser: string;
  host: string;
  alias: string;
  port: number;
}

/** %d home, %u local user, %r remote user, %h host name, %n alias, %p port, %l local host, %% percent. */
export function expandTokens(value: string, v: TokenValues): string {
  return value.replace(/%(.)/g, (whole, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'd':
        return v.home;
      case 'u':
        return v.localUser;
      case 'r':
        return v.remoteUser;
      case 'h':
        return v.host;
      case 'n':
        return v.alias;
      case 'p':
        return String(v.port);
      case 'l':
        return localHostname().split('.')[0] ?? '';
      case 'L':
        return localHostname().split('.')[0] ?? '';
      default:
        return whole;
    }
  });
}

function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'root';
  }
}

/** Resolves the settings for a host name as given on the command line. */
export function resolveHost(config: SshConfig, alias: string, options: { home?: string; localUser?: string } = {}): ResolvedHost {
  const home = options.home ?? homedir();
  const localUser = options.localUser ?? localUserName();
  const first = new Map<string, readonly string[]>();
  const identityFiles: string[] = [];
  const knownHosts: string[] = [];
  for (const d of config.directives) {
    if (d.inactive) continue;
    if (!d.conditions.every((patterns) => matchPatternList(alias, patterns))) continue;
    if (d.keyword === 'identityfile') {
      if (d.args[0] !== undefined) identityFiles.push(d.args[0]);
      continue;
    }
    if (d.keyword === 'userknownhostsfile' && !first.has(d.keyword)) knownHosts.push(...d.args);
    if (!first.has(d.keyword)) first.set(d.keyword, d.args);
  }
  const get = (k: string): string | undefined => first.get(k)?.[0];
  const rawHostName = get('hostname');
  const hostName = rawHostName !== undefined ? rawHostName.replace(/%h/g, alias).replace(/%%/g, '%') : alias;
  const portText = get('port');
  const port = portText !== undefined && /^\d{1,5}$/.test(portText) && Number(portText) <= 65535 ? Number(portText) : 0;
  const user = get('user') ?? '';
  const values: TokenValues = { home, localUser, remoteUser: user || localUser, host: hostName, alias, port: port || 22 };
  const proxyText = get('proxyjump') ?? '';
  const proxyJump = parseProxyJump(proxyText) ?? [];
  const timeout = Number(get('connecttimeout') ?? '0');
  return {
    alias,
    hostName,
    user: user === '' ? '' : expandTokens(user, values),
    port,
    identityFiles: identityFiles.map((f) => expandTokens(expandTilde(f, home), values)),
    identitiesOnly: (get('identitiesonly') ?? 'no').toLowerCase() === 'yes',
    proxyJump: proxyText.toLowerCase() === 'none' ? [] : proxyJump,
    proxyJumpText: proxyText.toLowerCase() === 'none' ? '' : proxyText,
    userKnownHostsFiles: knownHosts.filter((f) => f.toLowerCase() !== 'none').map((f) => expandTokens(expandTilde(f, home), values)),
    strictHostKeyChecking: (get('stricthostkeychecking') ?? '').toLowerCase(),
    connectTimeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 0,
  };
}

/** Concrete host names of Host lines (no wildcard, no negation) in file order, deduplicated. */
export function listConfigHosts(config: SshConfig): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of config.directives) {
    const own = d.conditions[d.conditions.length - 1];
    if (!own) continue;
    for (const entry of own) {
      for (const name of entry.split(',')) {
        if (name === '' || /[*?!]/.test(name) || seen.has(name)) continue;
        seen.add(name);
        out.push(name);
      }
    }
  }
  return out;
}
