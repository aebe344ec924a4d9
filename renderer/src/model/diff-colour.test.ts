import { describe, expect, it } from 'vitest';
import { NEUTRAL, diffColour, points, signedSamples } from './diff-colour';

const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

describe('diffColour', () => {
  it('is neutral for no change, red for more, blue for less, stronger with the change', () => {
    expect(diffColour(0)).toBe(NEUTRAL);
    expect(diffColour(0.0004)).toBe(NEUTRAL);
    expect(diffColour(Number.NaN)).toBe(NEUTRAL);
    const [r, , b] = rgb(diffColour(0.02));
    expect(r).toBeGreaterThan(b);
    const [r2, , b2] = rgb(diffColour(-0.02));
    expect(b2).toBeGreaterThan(r2);
    expect(rgb(diffColour(0.05))[1]).toBeLessThan(rgb(diffColour(0.01))[1]);
    expect(diffColour(0.5)).toBe(diffColour(0.05));
    expect(diffColour(0.05)).toBe('#d13b2c');
    expect(diffColour(-0.05)).toBe('#2c6fd1');
  });
  it('formats points and samples with a sign', () => {
    expect(points(0.0125)).toBe('+1.25 pt');
    expect(points(-0.004)).toBe('−0.40 pt');
    expect(points(0)).toBe('0 pt');
    expect(signedSamples(89.108)).toBe('+89.1');
    expect(signedSamples(-1234.4)).toBe('−1,234');
    expect(signedSamples(0)).toBe('0');
  });
});
