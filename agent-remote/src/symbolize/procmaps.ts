// /proc/PID/maps parsing (also the text of the sampler's MAPS record).
export interface Mapping {
  start: number;
  end: number;
  perms: string;
  offset: number;
  dev: string;
  inode: number;
  path: string;
}

export function parseMaps(text: string, max = 65_536): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    if (out.length >= max) break;
    // 55d0c5a00000-55d0c5a02000 r-xp 00002000 08:01 1234   /usr/bin/foo
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const start = parseInt(m[1] ?? '', 16);
    const end = parseInt(m[2] ?? '', 16);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) continue;
    out.push({
      start,
      end,
      perms: m[3] ?? '',
      offset: parseInt(m[4] ?? '0', 16),
      dev: m[5] ?? '',
      inode: Number(m[6] ?? 0),
      path: (m[7] ?? '').slice(0, 4096),
    });
  }
  out.sort((a, b) => a.start - b.start);
  return out;
}

export function findMapping(maps: readonly Mapping[], addr: number): Mapping | undefined {
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = maps[mid];
    if (!m) break;
    if (addr < m.start) hi = mid - 1;
    else if (addr >= m.end) lo = mid + 1;
    else return m;
  }
  return undefined;
}

/** A file-backed mapping (not [heap], [stack], anonymous memory, memfd, ...). */
export function isFileMapping(m: Mapping): boolean {
  return m.inode !== 0 && m.path.startsWith('/');
}
