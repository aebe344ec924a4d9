export { Redactor, redactProfile, resolveRules, HIDDEN_KERNEL_FRAME } from './redactor';
export type { RedactionOptions, RedactionReport, RedactionResult } from './redactor';
export { PRESETS, RULE_ORDER, DEFAULT_EXPORT_PRESET, isPreset, isRuleId } from './rules';
export type { RedactionPreset, RedactionRuleId } from './rules';
export { DEFAULT_SENSITIVE_WORDS, compileUserPattern, compileMatcher, MAX_USER_PATTERNS, MAX_PATTERN_LENGTH } from './patterns';
export type { SensitiveMatcher } from './patterns';
export { maskedName, keyFromHex, checkKey, randomRedactionKey, MIN_KEY_BYTES, MASK_HEX_DIGITS } from './hash';
export type { MaskDomain } from './hash';
export { shortenPackages } from './packages';
export { stripEmbeddedPaths, stripPathField, basename } from './paths';
export {
  NO_REDACTION,
  PRESET_SETTINGS,
  isRedactionOff,
  normalizeRedaction,
  patternProblem,
  presetOf,
  redactionOptionsOf,
  rulesOf,
  summarizeRedaction,
} from './settings';
export type { RedactionSettings, RedactionToggle } from './settings';
