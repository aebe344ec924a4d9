// Host policy: /etc/emberscope/policy.json can force host-side strict redaction. It is honoured
// only when it (and its directory) is root-owned and not group- or world-writable and is not a
// symlink; otherwise it is ignored and the reason reported in Posture.
//   { "strict": true, "preset": "standard", "patterns": ["(?i)secret"] }
import { lstatSync, readFileSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { PolicyEvidence } from '../../core/protocol/generated/emberscope.generated';

export const POLICY_PATH = '/etc/emberscope/policy.json';

function unsafe(st: Stats, what: string): string | undefined {
  if (st.isSymbolicLink()) return `${what} is a symbolic link`;
  if (st.uid !== 0) return `${what} is not owned by root (uid ${st.uid})`;
  if ((st.mode & 0o022) !== 0) return `${what} is group- or world-writable (mode ${(st.mode & 0o7777).toString(8)})`;
  return undefined;
}

export function readPolicy(path: string = POLICY_PATH): PolicyEvidence {
  const ev: PolicyEvidence = { path, present: false, honored: false, strict: false, reason: '', preset: '', patterns: [] };
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ...ev, reason: code === 'ENOENT' ? 'no policy file' : `cannot read: ${code ?? 'error'}` };
  }
  ev.present = true;
  const why = unsafe(st, 'the policy file') ?? (st.isFile() ? undefined : 'the policy file is not a regular file');
  if (why) return { ...ev, reason: `ignored: ${why}` };
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      const d = lstatSync(dir);
      // A root-owned sticky directory (like /tmp) is fine: nobody else can replace root's entries.
      const stickyRoot = d.uid === 0 && (d.mode & 0o1000) !== 0 && !d.isSymbolicLink();
      const dirWhy = stickyRoot ? undefined : unsafe(d, dir);
      if (dirWhy) return { ...ev, reason: `ignored: ${dirWhy}` };
    } catch {
      return { ...ev, reason: `ignored: cannot check ${dir}` };
    }
    if (dir === '/' || dir === '.') break;
  }
  if (st.size > 1024 * 1024) return { ...ev, reason: 'ignored: larger than 1 MiB' };
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return { ...ev, reason: `ignored: not valid JSON (${(e as Error).message.slice(0, 200)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ...ev, reason: 'ignored: not a JSON object' };
  const o = value as Record<string, unknown>;
  const strict = o['strict'] === true;
  const preset = typeof o['preset'] === 'string' ? o['preset'].slice(0, 64) : '';
  const patterns = Array.isArray(o['patterns']) ? o['patterns'].filter((p): p is string => typeof p === 'string').slice(0, 256).map((p) => p.slice(0, 1024)) : [];
  return { ...ev, honored: true, strict, preset, patterns, reason: strict ? 'strict redaction required by the host policy' : 'policy read; it does not require strict redaction' };
}
