// Untrusted host data is rendered as text only: no HTML sinks anywhere in the renderer.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : [];
  });
}

describe('renderer sources', () => {
  const files = sources(join(import.meta.dirname, '../../renderer/src'));
  it('are found', () => {
    expect(files.length).toBeGreaterThan(10);
  });
  it.each(files)('%s uses no HTML sink', (file) => {
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/dangerouslySetInnerHTML|\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\.html\(|new Function|\beval\(/);
  });
});
