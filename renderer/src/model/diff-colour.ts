// Colours of the differential flame graph: a frame's change of share of all samples (target
// share − base share, after normalization). Red: more of the time in the target (a regression);
// blue: less (an improvement); neutral under 0.05 percentage points; full colour from ±5 points.
export const NEUTRAL = '#dedad5';
const RED = [0xd1, 0x3b, 0x2c] as const;
const BLUE = [0x2c, 0x6f, 0xd1] as const;
const PALE = [0xee, 0xe9, 0xe4] as const;

/** Changes below this (a fraction; 0.0005 = 0.05 percentage points) are drawn neutral. */
export const NEUTRAL_BELOW = 0.0005;
/** From this change on (5 percentage points) the colour is full. */
export const FULL_AT = 0.05;

const hex = (n: number): string => Math.round(n).toString(16).padStart(2, '0');

export function diffColour(shareDelta: number): string {
  const size = Math.abs(shareDelta);
  if (!(size >= NEUTRAL_BELOW)) return NEUTRAL;
  const t = Math.min(1, 0.25 + (0.75 * (size - NEUTRAL_BELOW)) / (FULL_AT - NEUTRAL_BELOW));
  const to = shareDelta > 0 ? RED : BLUE;
  return `#${hex(PALE[0] + (to[0] - PALE[0]) * t)}${hex(PALE[1] + (to[1] - PALE[1]) * t)}${hex(PALE[2] + (to[2] - PALE[2]) * t)}`;
}

/** "+1.25 pt", "−0.40 pt", "0 pt": a share change in percentage points. */
export function points(shareDelta: number): string {
  const p = 100 * shareDelta;
  if (Math.abs(p) < 0.005) return '0 pt';
  return `${p > 0 ? '+' : '−'}${Math.abs(p).toFixed(2)} pt`;
}

/** A normalized sample delta: "+89.1", "−50", "0". */
export function signedSamples(delta: number): string {
  if (delta === 0) return '0';
  const a = Math.abs(delta);
  return `${delta > 0 ? '+' : '−'}${a >= 100 ? Math.round(a).toLocaleString('en-US') : a.toFixed(1)}`;
}
