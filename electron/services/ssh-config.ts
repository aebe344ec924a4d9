// OpenSSH client configuration (ssh_config(5)), the built-in reading used only where no `ssh`
// client is installed (openssh-config.ts asks `ssh -G` otherwise), held against `ssh -G` by a
// conformance corpus (test/ssh-config-corpus.ts). Host blocks (`*`, `?`, `!negation`, matched
// case-sensitively like OpenSSH), Match blocks (host, originalhost, user, localuser, all, final,
// canonical, negated criteria, evaluated where they appear, with the final pass ssh.c makes),
// Include (globs, nested, also inside Host and Match blocks). The first value obtained wins,
// except IdentityFile and CertificateFile which accumulate, and ProxyJump/ProxyCommand, which
// compete. What it cannot evaluate (Match exec, CanonicalizeHostname) makes `resolveHost(...,
// { strict: true })` throw OpenSshUnsupported naming the keyword; without `strict` such blocks
// are skipped. The parser never throws on any input: problems are collected as `problems`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, hostname as localHostname, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';

export interface HostCondition {
  readonly kind: 'host';
  readonly patterns: readonly string[];
}

export interface MatchCondition {
  readonly kind: 'match';
  readonly args: readonly string[];
  /** file:line of the Match line. */
  readonly where: string;
}

export type Condition = HostCondition | MatchCondition;

export interface Directive {
  /** Lower-case keyword. */
  readonly keyword: string;
  readonly args: readonly string[];
  /** The line after the keyword, verbatim (ProxyCommand takes it so). */
  readonly rest: string;
  /** Host and Match blocks that must all hold (outer Include context first). */
  readonly conditions: readonly Condition[];
  /** Never applies (a Host line without patterns). */
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

/** The user's file, then (as ssh does without -F) the system-wide /etc/ssh/ssh_config. */
export function loadSshConfigChecked(path: string, options: { fs?: ConfigFs; home?: string; systemConfig?: boolean } = {}): SshConfig {
  const fs = options.fs ?? nodeConfigFs;
  const user = loadSshConfig(path, options);
  if (!options.systemConfig) return user;
  const text = fs.readFile('/etc/ssh/ssh_config');
  if (text === undefined) return user;
  const problems: string[] = [...user.problems];
  const directives: Directive[] = [...user.directives];
  parseInto(text, '/etc/ssh/ssh_config', [], 0, { fs, home: options.home ?? homedir(), problems, directives, userConfig: false });
  return { directives, problems };
}

interface ParseCtx {
  fs: ConfigFs;
  home: string;
  problems: string[];
  directives: Directive[];
  userConfig: boolean;
}

function parseInto(text: string, file: string, outer: readonly Condition[], depth: number, ctx: ParseCtx): void {
  let conditions: readonly Condition[] = outer;
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
        conditions = [...outer, { kind: 'host', patterns: ['!*'] }];
      } else {
        conditions = [...outer, { kind: 'host', patterns: args }];
      }
      inactive = false;
      continue;
    }
    if (keyword === 'match') {
      conditions = [...outer, { kind: 'match', args, where: `${file}:${lineNo}` }];
      inactive = false;
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
    const rest = raw.replace(/^[ \t]*[^ \t=]+[ \t]*=?[ \t]*/, '');
    ctx.directives.push({ keyword, args, rest, conditions, inactive, file, line: lineNo });
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

/** A pattern list (commas): at least one positive match and no negated match. */
export function matchPatternList(host: string, patterns: readonly string[], caseInsensitive = true): boolean {
  let matched = false;
  for (const entry of patterns) {
    for (const pattern of entry.split(',')) {
      if (pattern === '') continue;
      if (pattern.startsWith('!')) {
        if (matchPattern(host, pattern.slice(1), caseInsensitive)) return false;
      } else if (matchPattern(host, pattern, caseInsensitive)) {
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
  /** Whether UserKnownHostsFile was set (possibly to `none`). */
  readonly userKnownHostsSet?: boolean;
  readonly globalKnownHostsSet?: boolean;
  /** IdentityFile and UserKnownHostsFile as written (for the full token set of openssh-config.ts). */
  readonly rawIdentityFiles?: readonly string[];
  readonly rawUserKnownHostsFiles?: readonly string[];
  readonly strictHostKeyChecking: string;
  readonly connectTimeoutSeconds: number;
  /** CertificateFile list, expanded ([] = none). */
  readonly certificateFiles?: readonly string[];
  /** GlobalKnownHostsFile list ([] = not configured here). */
  readonly globalKnownHostsFiles?: readonly string[];
  /** HostKeyAlias ('' = none): the name host keys are looked up and recorded under. */
  readonly hostKeyAlias?: string;
  /** ProxyCommand with its tokens expanded ('' = none). */
  readonly proxyCommand?: string;
  /** IdentityAgent, expanded ('' = not configured: SSH_AUTH_SOCK; 'none' = no agent). */
  readonly identityAgent?: string;
  readonly serverAliveIntervalSeconds?: number;
  readonly serverAliveCountMax?: number;
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

/** A configuration the own parser cannot evaluate as OpenSSH would (e.g. `Match exec`). */
export class OpenSshUnsupported extends Error {
  readonly code = 'SSH_CONFIG_UNSUPPORTED';
  constructor(
    readonly keyword: string,
    readonly where: string,
  ) {
    super(`${where}: ${keyword} cannot be evaluated without an OpenSSH client (install ssh)`);
    this.name = 'OpenSshUnsupported';
  }
}

export interface ResolveHostOptions {
  home?: string;
  localUser?: string;
  /** Full local host name (Match exec tokens, %l). */
  localHost?: string;
  /** -l and -p from the command line: they come before the config (first value wins). */
  user?: string;
  port?: number;
  /** Throw OpenSshUnsupported where the answer could be wrong, instead of skipping. */
  strict?: boolean;
}

interface PassState {
  readonly first: Map<string, readonly string[]>;
  readonly identityFiles: string[];
  readonly certificateFiles: string[];
  hostName: string | undefined;
  proxyCommandRest?: string;
  wantFinal: boolean;
}

/** A `Match` line evaluated as readconf.c's match_cfg_line does, at the point it appears. */
function evalMatch(cond: MatchCondition, s: PassState, ctx: { alias: string; host: string; finalPass: boolean; localUser: string; strict: boolean; cliUser: string }): boolean {
  const args = [...cond.args];
  let result = true;
  let attributes = 0;
  while (args.length > 0) {
    const raw = args.shift() ?? '';
    if (raw.startsWith('#')) break;
    const negate = raw.startsWith('!');
    const attrib = (negate ? raw.slice(1) : raw).toLowerCase();
    if (attrib === 'all') return attributes === 0 ? !negate && result : false;
    attributes++;
    if (attrib === 'canonical' || attrib === 'final') {
      if (attrib === 'final') s.wantFinal = true;
      if (ctx.finalPass === negate) result = false;
      continue;
    }
    const arg = args.shift();
    if (arg === undefined) return false;
    let r: boolean;
    if (attrib === 'host') r = matchPatternList(ctx.host, [arg]);
    else if (attrib === 'originalhost') r = matchPatternList(ctx.alias, [arg]);
    else if (attrib === 'user') r = matchPatternList(ctx.cliUser || s.first.get('user')?.[0] || ctx.localUser, [arg], false);
    else if (attrib === 'localuser') r = matchPatternList(ctx.localUser, [arg], false);
    else if (attrib === 'exec') {
      if (!result) continue; // OpenSSH skips the command once an earlier criterion failed
      if (ctx.strict) throw new OpenSshUnsupported('Match exec', cond.where);
      return false;
    } else {
      if (ctx.strict) throw new OpenSshUnsupported(`Match ${attrib}`, cond.where);
      return false;
    }
    if (r === negate) result = false;
  }
  return attributes > 0 && result;
}

function runPass(config: SshConfig, alias: string, host: string, finalPass: boolean, s: PassState, o: { localUser: string; strict: boolean; cliUser: string }): void {
  const evaluated = new Map<Condition, boolean>();
  const holds = (c: Condition): boolean => {
    if (c.kind === 'host') return matchHostLine(host, c.patterns);
    let v = evaluated.get(c);
    if (v === undefined) {
      const matchHost = finalPass ? (s.hostName ?? host) : s.hostName !== undefined ? expandHostName(s.hostName, alias) : alias;
      v = evalMatch(c, s, { alias, host: matchHost, finalPass, ...o });
      evaluated.set(c, v);
    }
    return v;
  };
  for (const d of config.directives) {
    if (d.inactive) continue;
    if (!d.conditions.every(holds)) continue;
    if (d.keyword === 'identityfile' || d.keyword === 'certificatefile') {
      if (d.args[0] !== undefined) (d.keyword === 'identityfile' ? s.identityFiles : s.certificateFiles).push(d.args[0]);
      continue;
    }
    if (o.strict && d.keyword === 'canonicalizehostname' && !s.first.has(d.keyword) && !/^(no|false)$/i.test(d.args[0] ?? '')) {
      throw new OpenSshUnsupported('CanonicalizeHostname', `${d.file}:${d.line}`);
    }
    // ProxyJump and ProxyCommand compete: whichever comes first wins (ssh_config(5)).
    if ((d.keyword === 'proxycommand' && s.first.has('proxyjump')) || (d.keyword === 'proxyjump' && s.first.has('proxycommand'))) continue;
    if (d.keyword === 'hostname' && s.hostName === undefined && d.args[0] !== undefined) s.hostName = d.args[0];
    if (d.keyword === 'proxycommand' && !s.first.has(d.keyword)) s.proxyCommandRest = d.rest;
    if (!s.first.has(d.keyword)) s.first.set(d.keyword, d.args);
  }
}

function expandHostName(value: string, alias: string): string {
  return value.replace(/%(.)/g, (whole, c: string) => (c === 'h' ? alias : c === '%' ? '%' : whole));
}

/** A Host line: whitespace-separated patterns, case-sensitive, a negated match excludes. */
export function matchHostLine(host: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (matchPattern(host, p.slice(1), false)) return false;
    } else if (matchPattern(host, p, false)) matched = true;
  }
  return matched;
}

/** Resolves the settings for a host name as given on the command line. */
export function resolveHost(config: SshConfig, alias: string, options: ResolveHostOptions = {}): ResolvedHost {
  const home = options.home ?? homedir();
  const localUser = options.localUser ?? localUserName();
  const strict = options.strict === true;
  const s: PassState = { first: new Map(), identityFiles: [], certificateFiles: [], hostName: undefined, wantFinal: false };
  if (options.port) s.first.set('port', [String(options.port)]);
  const o = { localUser, strict, cliUser: options.user ?? '' };
  runPass(config, alias, alias, false, s, o);
  if (s.wantFinal) {
    // As ssh.c does: HostName (with %h) becomes the host name, and the files are read again.
    const finalHost = (s.hostName !== undefined ? expandHostName(s.hostName, alias) : alias).toLowerCase();
    s.hostName = finalHost;
    runPass(config, alias, finalHost, true, s, o);
  }
  const first = s.first;
  const get = (k: string): string | undefined => first.get(k)?.[0];
  // ssh lowercases the host name once the first pass is done.
  const hostName = (s.hostName !== undefined ? expandHostName(s.hostName, alias) : alias).toLowerCase();
  const portText = get('port');
  const port = portText !== undefined && /^\d{1,5}$/.test(portText) && Number(portText) <= 65535 ? Number(portText) : 0;
  const user = options.user || get('user') || '';
  const values: TokenValues = { home, localUser, remoteUser: user || localUser, host: hostName, alias, port: port || 22 };
  const proxyText = get('proxyjump') ?? '';
  const proxyJump = parseProxyJump(proxyText) ?? [];
  const timeout = Number(get('connecttimeout') ?? '0');
  const knownHosts = first.get('userknownhostsfile') ?? [];
  const num = (k: string): number | undefined => {
    const v = get(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const proxyCommand = first.get('proxycommand');
  const interval = num('serveraliveinterval');
  const countMax = num('serveralivecountmax');
  const agent = get('identityagent');
  return {
    alias,
    hostName,
    user,
    port,
    identityFiles: s.identityFiles.map((f) => expandTokens(expandTilde(f, home), values)),
    identitiesOnly: /^(yes|true)$/i.test(get('identitiesonly') ?? 'no'),
    proxyJump: proxyText.toLowerCase() === 'none' ? [] : proxyJump,
    proxyJumpText: proxyText.toLowerCase() === 'none' ? '' : proxyText,
    userKnownHostsFiles: knownHosts.filter((f) => f.toLowerCase() !== 'none').map((f) => expandTokens(expandTilde(f, home), values)),
    userKnownHostsSet: first.has('userknownhostsfile'),
    globalKnownHostsSet: first.has('globalknownhostsfile'),
    rawIdentityFiles: [...s.identityFiles],
    rawUserKnownHostsFiles: [...knownHosts],
    strictHostKeyChecking: (get('stricthostkeychecking') ?? '').toLowerCase(),
    connectTimeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 0,
    // Left unexpanded: the caller expands them with every token OpenSSH knows (openssh-config.ts).
    certificateFiles: [...s.certificateFiles],
    globalKnownHostsFiles: (first.get('globalknownhostsfile') ?? []).filter((f) => f.toLowerCase() !== 'none'),
    hostKeyAlias: get('hostkeyalias') ?? '',
    proxyCommand: proxyCommand === undefined || proxyCommand[0]?.toLowerCase() === 'none' ? '' : (s.proxyCommandRest ?? proxyCommand.join(' ')),
    ...(agent !== undefined ? { identityAgent: agent } : {}),
    ...(interval !== undefined ? { serverAliveIntervalSeconds: interval } : {}),
    ...(countMax !== undefined ? { serverAliveCountMax: countMax } : {}),
  };
}

/** Concrete host names of Host lines (no wildcard, no negation) in file order, deduplicated. */
export function listConfigHosts(config: SshConfig): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of config.directives) {
    const own = d.conditions[d.conditions.length - 1];
    if (own?.kind !== 'host') continue;
    for (const name of own.patterns) {
      if (name === '' || /[*?!]/.test(name) || seen.has(name)) continue;
      seen.add(name);
      out.push(name);
    }
  }
  return out;
}
