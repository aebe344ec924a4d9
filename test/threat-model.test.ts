// docs/threat-model.md names, for every "never", the test that proves it. This keeps the page
// true: each named test file must exist and hold a test with exactly that title.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const page = readFileSync(join(root, 'docs', 'threat-model.md'), 'utf8');

/** Every `path` › “title” reference in a table row, including “and › “title”” continuations. */
function references(markdown: string): { file: string; title: string }[] {
  const out: { file: string; title: string }[] = [];
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) continue;
    const file = /`([^`]+\.test\.tsx?)`/.exec(line)?.[1];
    if (!file) continue;
    for (const m of line.matchAll(/›\s*“([^”]+)”/g)) out.push({ file, title: m[1] ?? '' });
  }
  return out;
}

/** The titles of the `it(...)` / `test(...)` calls of a test file, as written. */
function titles(source: string): Set<string> {
  const out = new Set<string>();
  for (const m of source.matchAll(/\b(?:it|test)(?:\.\w+(?:\([^)]*\))?)?\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)) {
    out.add((m[2] ?? '').replace(/\\(['"`\\])/g, '$1'));
  }
  return out;
}

/** The system calls (backticked names in the first column) of the first table under `heading`. */
function syscallTable(markdown: string, heading: string): string[] {
  const section = markdown.split(`\n${heading}`)[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  const names = rows.flatMap((r) => [...(r.split('|')[1] ?? '').matchAll(/`(\w+)`/g)].map((m) => m[1] ?? ''));
  return [...new Set(names)].sort();
}

describe('docs/threat-model.md', () => {
  const refs = references(page);

  it('names a proving test for every promise in its "never" table', () => {
    const section = page.split('## What it can never do')[1]?.split('\n## ')[0] ?? '';
    const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Never') && !l.startsWith('| ---'));
    expect(rows.length).toBeGreaterThanOrEqual(15);
    for (const row of rows) expect(references(row).length, row).toBeGreaterThan(0);
  });

  it('every named test exists with exactly that title', () => {
    expect(refs.length).toBeGreaterThanOrEqual(15);
    const missing: string[] = [];
    for (const { file, title } of refs) {
      const path = join(root, file);
      if (!existsSync(path)) missing.push(`${file}: no such file`);
      else if (!titles(readFileSync(path, 'utf8')).has(title)) missing.push(`${file}: no test titled “${title}”`);
    }
    expect(missing).toEqual([]);
  });

  it('its seccomp allowlist, and bpf/README.md\'s, name exactly the system calls bpf/seccomp.c allows', () => {
    const source = readFileSync(join(root, 'bpf', 'seccomp.c'), 'utf8');
    const allowed = new Set([...source.matchAll(/\b(?:allow|ALLOW_IF)\(&p, __NR_(\w+)/g)].map((m) => m[1] ?? ''));
    expect(allowed.size).toBeGreaterThanOrEqual(10);
    expect(allowed.has('bpf')).toBe(true);
    const readme = readFileSync(join(root, 'bpf', 'README.md'), 'utf8');
    for (const [doc, heading] of [[page, "## The sampler's seccomp allowlist"], [readme, '## Seccomp']] as const) {
      expect(syscallTable(doc, heading)).toEqual([...allowed].sort());
    }
  });

  it('the title reader finds titles in single, double and template quotes, and only those', () => {
    const found = titles(`it('a b', () => {}); it("c's d", () => {}); it.skipIf(x)(\`e\`, f); describe('not a test', g);`);
    expect([...found].sort()).toEqual(["c's d", 'a b', 'e'].sort());
  });
});
