// A first pass over untrusted pprof bytes that allocates nothing: it walks the top-level
// fields of profile.proto and counts them, so a small file cannot make the decoder build
// millions of objects (an empty sample takes 2 bytes, a decoded one hundreds).
import { EmberError } from '../errors';

export interface TopLevelCounts {
  readonly samples: number;
  readonly mappings: number;
  readonly locations: number;
  readonly functions: number;
  readonly strings: number;
}

function malformed(at: number, why: string): never {
  throw new EmberError('BAD_INPUT', `not a valid pprof profile: ${why} at byte ${at}`);
}

export function scanTopLevel(bytes: Uint8Array): TopLevelCounts {
  const counts = [0, 0, 0, 0, 0, 0, 0];
  let i = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let n = 0; n < 10; n++) {
      if (i >= bytes.length) malformed(i, 'a number runs past the end');
      const b = bytes[i++] as number;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return value;
    }
    return malformed(i, 'a number is longer than 10 bytes');
  };
  while (i < bytes.length) {
    const start = i;
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) malformed(start, 'field number 0');
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 2) {
      const length = varint(); // read before adding: `i += varint()` would add to the old i
      i += length;
    }
    else if (wire === 5) i += 4;
    else malformed(start, `wire type ${wire}`);
    if (i > bytes.length) malformed(start, `field ${field} runs past the end`);
    if (field >= 2 && field <= 6) counts[field] = (counts[field] ?? 0) + 1;
  }
  return { samples: counts[2] ?? 0, mappings: counts[3] ?? 0, locations: counts[4] ?? 0, functions: counts[5] ?? 0, strings: counts[6] ?? 0 };
}
