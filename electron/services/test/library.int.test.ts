// The library on disk (atomic files, 0600 in 0700, damaged entries skipped) and exports that
// `go tool pprof` reads, with redaction applied (no original sensitive name in the bytes).
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileFromPaths } from '../../../core/testing/fixtures';
import { Library, type NewCaptureMetadata } from '../library';
import { createSecretStore, redactionTeamKey } from '../secrets';
import { filesUnder, run } from './helpers';

let dir: string;
let lib: Library;

const meta: NewCaptureMetadata = {
  title: 'web-1 capture',
  source: 'capture',
  host: { id: 'ssh:web-1', label: 'web-1', hostName: '10.0.0.1', port: 22 },
  user: 'deploy',
  startedMs: 1_700_000_000_000,
  endedMs: 1_700_000_010_000,
  options: { hz: 99, seconds: 10, target: { kind: 'all' }, strict: false },
  agent: { version: '0.1.0', sha256: 'a'.repeat(64) },
  sampler: { version: '0.1.0', sha256: 'b'.repeat(64) },
  warnings: [],
  redaction: 'none',
  interrupted: false,
  error: '',
  importedFrom: '',
};

const profile = profileFromPaths(
  [
    ['main;serve;verify_password_hash', 50],
    ['main;serve;/home/alice/src/app.c:render', 30],
    ['main;idle', 20],
  ],
  { '/home/alice/src/app.c:render': { file: '/home/alice/src/app.c', line: 12, module: '/home/alice/bin/app' } },
);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emberscope-lib-'));
  lib = new Library(join(dir, 'data'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('library', () => {
  it('saves, lists, opens and removes with private permissions', async () => {
    const s = await lib.save(profile, meta);
    expect(s.samples).toBe(100);
    expect((await stat(lib.dir)).mode & 0o777).toBe(0o700);
    for (const f of await filesUnder(lib.dir)) expect((await stat(f)).mode & 0o777).toBe(0o600);
    const listing = await lib.list();
    expect(listing.captures.map((c) => c.id)).toEqual([s.id]);
    const opened = await lib.open(s.id);
    expect(opened.profile.meta.sampleCount).toBe(100);
    expect(opened.metadata.agent.sha256).toBe('a'.repeat(64));
    expect(opened.metadata.symbolizedShare).toBe(1);
    await lib.remove(s.id);
    expect((await lib.list()).captures).toEqual([]);
    await expect(lib.open('../../etc/passwd')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reports damaged entries and skips them', async () => {
    const good = await lib.save(profile, meta);
    const bad = await lib.save(profile, { ...meta, title: 'broken' });
    await writeFile(join(lib.dir, `${bad.id}.json`), '{not json');
    const third = await lib.save(profile, { ...meta, title: 'bad profile' });
    await writeFile(join(lib.dir, `${third.id}.pb.gz`), 'garbage');
    const listing = await lib.list();
    expect(listing.captures.map((c) => c.id).sort()).toEqual([good.id, third.id].sort());
    expect(listing.damaged.map((d) => d.id)).toEqual([bad.id]);
    await expect(lib.open(third.id)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    for (const id of [good.id, bad.id, third.id]) await lib.remove(id);
  });

  it('exports pprof that go tool pprof reads, redacted by default (standard)', async () => {
    const s = await lib.save(profile, meta);
    const exported = await lib.export(s.id, { format: 'pprof' });
    const raw = gunzipSync(exported.bytes);
    expect(raw.includes(Buffer.from('verify_password_hash'))).toBe(false);
    expect(raw.includes(Buffer.from('/home/alice'))).toBe(false);
    expect(exported.redactionSummary).toMatch(/masked/);
    const file = join(dir, exported.fileName);
    await writeFile(file, exported.bytes);
    const { stdout } = await run('go', ['tool', 'pprof', '-top', file], { env: { ...process.env, HOME: dir } });
    expect(stdout).toMatch(/Type: samples|Type: cpu/);
    expect(stdout).toMatch(/fn:[0-9a-f]+/);
    const plain = await lib.export(s.id, { format: 'pprof', redaction: 'none' });
    await writeFile(file, plain.bytes);
    const top = (await run('go', ['tool', 'pprof', '-top', '-sample_index=samples', file], { env: { ...process.env, HOME: dir } })).stdout;
    expect(top).toMatch(/50\s+50(\.00)?%.*verify_password_hash/);
    const folded = await lib.export(s.id, { format: 'folded', redaction: 'none' });
    expect(Buffer.from(folded.bytes).toString()).toContain('main;serve;verify_password_hash 50');
    await lib.remove(s.id);
  });

  it('imports pprof (gzipped) and folded files', async () => {
    const s = await lib.save(profile, meta);
    const pb = await readFile(join(lib.dir, `${s.id}.pb.gz`));
    const imported = await lib.import(pb, 'x.pb.gz');
    expect(imported.samples).toBe(100);
    expect(imported.source).toBe('import');
    const folded = await lib.import(Buffer.from('main;a 3\nmain;b 4\n'), 'stacks.txt');
    expect(folded.samples).toBe(7);
    await expect(lib.import(Buffer.from([1, 2, 3, 255]), 'x.pb')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    for (const c of (await lib.list()).captures) await lib.remove(c.id);
  });

  it('team key (from the keychain) makes masked names comparable across exports; random keys do not', async () => {
    const store = createSecretStore(`emberscope-test-${process.pid}`);
    const s = await lib.save(profile, meta);
    const names = async (key?: Uint8Array): Promise<string> => Buffer.from((await lib.export(s.id, { format: 'folded' }, key)).bytes).toString();
    expect(await names()).not.toBe(await names());
    const k1 = await redactionTeamKey(store);
    const k2 = await redactionTeamKey(store);
    expect(Buffer.from(k1).equals(Buffer.from(k2))).toBe(true);
    expect(await names(k1)).toBe(await names(k2));
    expect(await names(k1)).toMatch(/fn:[0-9a-f]+/);
    await store.delete('redaction-team-key');
    await lib.remove(s.id);
  });
});
