// Debugging aid: prints a sampler record stream in readable form.
//   emberscope-sampler --duration 3 | npx tsx bpf/test/dump-records.ts [--counts]
//   npx tsx bpf/test/dump-records.ts FILE [--counts]
import { readFileSync } from 'node:fs';
import { parseRecords } from './records';

const args = process.argv.slice(2);
const showCounts = args.includes('--counts');
const file = args.find((a) => !a.startsWith('--'));
const r = parseRecords(readFileSync(file ?? 0));
const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
console.log('HEADER', json(r.header));
for (const c of r.caps) console.log('CAPS', json(c));
r.stats.forEach((s, i) => {
  if (showCounts) {
    for (const c of r.countsByInterval[i] ?? []) {
      const leaf = c.userStack?.ips[0] ?? c.userStack?.buildIdFrames[0]?.offsetOrIp;
      console.log(`  COUNT ${c.tgid}/${c.pid} ${c.comm} u=${c.userStackId} k=${c.kernelStackId} leaf=${leaf?.toString(16) ?? '-'} ${c.count}`);
    }
  }
  console.log('STATS', json(s));
});
for (const m of r.maps) console.log(`MAPS ${m.tgid} flags=${m.flags} ${m.text.length} bytes`);
for (const e of r.errors) console.log('ERROR', e.code, e.message);
console.log('END', json(r.end));
console.log(`${r.stacks} STACK, ${r.counts.length} COUNT records`);
