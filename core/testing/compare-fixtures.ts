// Two small captures of one program for the comparison tests: the target is longer and at a
// higher rate (3,030 samples at 499 Hz against 1,000 at 99 Hz), so only a normalized diff
// ranks its changes right. Function names differ in every change, with no two deltas equal.
import type { Profile } from '../profile/types';
import { profileFromPaths } from './fixtures';

export const BASE_PATHS: readonly (readonly [string, number])[] = [
  ['main;parse;tokenize', 300],
  ['main;parse', 100],
  ['main;hash;sha_block', 400],
  ['main;io;read', 150],
  ['main;gc', 50],
];

export const TARGET_PATHS: readonly (readonly [string, number])[] = [
  ['main;parse;tokenize', 600],
  ['main;parse', 450],
  ['main;hash;sha_block', 1380],
  ['main;io;read', 330],
  ['main;json;encode', 270],
];

export function compareFixtures(): { base: Profile; target: Profile } {
  return { base: profileFromPaths(BASE_PATHS, {}, 99), target: profileFromPaths(TARGET_PATHS, {}, 499) };
}
