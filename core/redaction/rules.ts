// The redaction rules of issue 6 and their presets.

export type RedactionRuleId =
  | 'strip-paths' // 1. directories out of names, files and mappings
  | 'shorten-packages' // 2. package paths to their last segment
  | 'mask-sensitive' // 3. sensitive names to a keyed hash
  | 'hide-kernel' // 4. kernel frames collapsed into one [kernel] frame
  | 'anonymize-processes' // 5. process names, pids and tids
  | 'structure-only'; // 6. every name masked: only the shape remains

/** Rules in the order they apply. */
export const RULE_ORDER: readonly RedactionRuleId[] = ['strip-paths', 'shorten-packages', 'mask-sensitive', 'hide-kernel', 'anonymize-processes', 'structure-only'];

export type RedactionPreset = 'none' | 'paths' | 'standard' | 'strict' | 'all';

export const PRESETS: Readonly<Record<RedactionPreset, readonly RedactionRuleId[]>> = Object.freeze({
  none: [],
  paths: ['strip-paths'],
  standard: ['strip-paths', 'shorten-packages', 'mask-sensitive'],
  strict: ['strip-paths', 'shorten-packages', 'mask-sensitive', 'hide-kernel', 'anonymize-processes'],
  all: RULE_ORDER,
});

/** What exports use unless the user chooses otherwise. */
export const DEFAULT_EXPORT_PRESET: RedactionPreset = 'standard';

export function isRuleId(value: unknown): value is RedactionRuleId {
  return typeof value === 'string' && (RULE_ORDER as readonly string[]).includes(value);
}

export function isPreset(value: unknown): value is RedactionPreset {
  return typeof value === 'string' && Object.hasOwn(PRESETS, value);
}
