// The own ssh_config parser (the fallback where no ssh client exists) held against `ssh -G` on a
// corpus of real-world shaped configs: for every case x host, it answers exactly as OpenSSH does,
// or says it cannot (OpenSshUnsupported naming the keyword) where it cannot evaluate something.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localContext, opensshAvailable, resolveWithFallback, resolveWithOpenSsh, type ResolvedHost, type ResolveOptions } from '../openssh-config';
import { OpenSshUnsupported } from '../ssh-config';
import { CORPUS } from './ssh-config-corpus';

const dir = mkdtempSync(join(tmpdir(), 'emberscope-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeCase(name: string, files: Readonly<Record<string, string>>): string {
  const base = join(dir, name);
  for (const [rel, text] of Object.entries(files)) {
    const path = join(base, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text.replaceAll('DIR', base));
  }
  return join(base, 'config');
}

const comparable = (r: ResolvedHost): Omit<ResolvedHost, 'source'> => {
  const { source: _source, ...rest } = r;
  return rest;
};

const hasSsh = await opensshAvailable();

describe.skipIf(!hasSsh)('the fallback parser against ssh -G', () => {
  const local = localContext();
  const results: { matched: number; unsupported: number; total: number } = { matched: 0, unsupported: 0, total: 0 };
  for (const c of CORPUS) {
    for (const host of c.hosts) {
      it(`${c.name}: ${host.alias}${host.user ? ` -l ${host.user}` : ''}${host.port ? ` -p ${host.port}` : ''}`, async () => {
        const config = writeCase(c.name, c.files);
        const options: ResolveOptions = { configPath: config, ...(host.user ? { user: host.user } : {}), ...(host.port ? { port: host.port } : {}) };
        results.total++;
        if (host.unsupported) {
          let error: unknown;
          try {
            resolveWithFallback(host.alias, options, local);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(OpenSshUnsupported);
          expect((error as OpenSshUnsupported).keyword).toBe(host.unsupported);
          results.unsupported++;
          return;
        }
        const openssh = await resolveWithOpenSsh(host.alias, options, local);
        if (host.expect) expect(openssh).toMatchObject(host.expect);
        expect(comparable(resolveWithFallback(host.alias, options, local))).toEqual(comparable(openssh));
        results.matched++;
      });
    }
  }
  it('covers the corpus', () => {
    const cases = CORPUS.reduce((n, c) => n + c.hosts.length, 0);
    expect(cases).toBeGreaterThanOrEqual(40);
  });
});
