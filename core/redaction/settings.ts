// The redaction settings of the view and of every export: the panel's toggles and patterns,
// the presets as named combinations of them, and the one-line summary of what was redacted.
// The view, the API backend, the library's export and the in-memory test services all use
// this module, so what is masked on screen is what is masked in the file.
import { compileUserPattern } from './patterns';
import { PRESETS, RULE_ORDER, type RedactionPreset, type RedactionRuleId } from './rules';
import type { RedactionOptions, RedactionReport } from './redactor';

export interface RedactionSettings {
  readonly stripPaths: boolean;
  readonly shortenPackages: boolean;
  readonly maskSensitive: boolean;
  readonly hideKernel: boolean;
  readonly anonymizeProcesses: boolean;
  readonly structureOnly: boolean;
  readonly patterns: readonly string[];
}

export type RedactionToggle = keyof Omit<RedactionSettings, 'patterns'>;

/** Each toggle and the core rule it turns on, in the order the rules apply. */
export const TOGGLE_RULES: readonly (readonly [RedactionToggle, RedactionRuleId])[] = [
  ['stripPaths', 'strip-paths'],
  ['shortenPackages', 'shorten-packages'],
  ['maskSensitive', 'mask-sensitive'],
  ['hideKernel', 'hide-kernel'],
  ['anonymizeProcesses', 'anonymize-processes'],
  ['structureOnly', 'structure-only'],
];

export const NO_REDACTION: RedactionSettings = Object.freeze({
  stripPaths: false,
  shortenPackages: false,
  maskSensitive: false,
  hideKernel: false,
  anonymizeProcesses: false,
  structureOnly: false,
  patterns: [],
});

/** The settings of a rule list (patterns empty). */
export function settingsOfRules(rules: readonly RedactionRuleId[]): RedactionSettings {
  const s: { -readonly [K in keyof RedactionSettings]: RedactionSettings[K] } = { ...NO_REDACTION, patterns: [] };
  for (const [toggle, rule] of TOGGLE_RULES) s[toggle] = rules.includes(rule);
  return Object.freeze(s);
}

/** The presets of core/redaction/rules.ts as toggles. */
export const PRESET_SETTINGS: Readonly<Record<RedactionPreset, RedactionSettings>> = Object.freeze(
  Object.fromEntries(Object.entries(PRESETS).map(([name, rules]) => [name, settingsOfRules(rules)])) as Record<RedactionPreset, RedactionSettings>,
);

export function isRedactionOff(s: RedactionSettings): boolean {
  return TOGGLE_RULES.every(([toggle]) => !s[toggle]) && s.patterns.length === 0;
}

/** The preset these settings are, or 'custom'. */
export function presetOf(s: RedactionSettings): RedactionPreset | 'custom' {
  if (s.patterns.length > 0) return 'custom';
  for (const [name, p] of Object.entries(PRESET_SETTINGS) as [RedactionPreset, RedactionSettings][]) {
    if (TOGGLE_RULES.every(([toggle]) => p[toggle] === s[toggle])) return name;
  }
  return 'custom';
}

/**
 * User patterns are part of the mask rule: while there are any, "Mask sensitive names" is on
 * (a pattern the user typed is a request to mask what it matches).
 */
export function normalizeRedaction(s: RedactionSettings): RedactionSettings {
  return s.patterns.length > 0 && !s.maskSensitive ? { ...s, maskSensitive: true } : s;
}

/** The core rules of a settings object, in the order they apply. */
export function rulesOf(settings: RedactionSettings): RedactionRuleId[] {
  const s = normalizeRedaction(settings);
  const on = new Set(TOGGLE_RULES.filter(([toggle]) => s[toggle]).map(([, rule]) => rule));
  return RULE_ORDER.filter((r) => on.has(r));
}

/** The options of core's redactor for these settings and a masking key. */
export function redactionOptionsOf(settings: RedactionSettings, key: Uint8Array): RedactionOptions {
  return { rules: rulesOf(settings), patterns: settings.patterns, key };
}

/** "23 functions masked, 140 paths stripped" from core's report (zero counts left out). */
export function summarizeRedaction(r: RedactionReport): string {
  const parts: string[] = [];
  const add = (n: number, one: string, many: string): void => {
    if (n > 0) parts.push(`${n.toLocaleString('en-US')} ${n === 1 ? one : many}`);
  };
  add(r.functionsMasked, 'function masked', 'functions masked');
  add(r.pathsStripped, 'path stripped', 'paths stripped');
  add(r.packagesShortened, 'package path shortened', 'package paths shortened');
  add(r.filesMasked + r.modulesMasked, 'file masked', 'files masked');
  add(r.kernelFramesHidden, 'kernel frame hidden', 'kernel frames hidden');
  add(r.processesAnonymized, 'process anonymized', 'processes anonymized');
  add(r.threadsAnonymized, 'thread anonymized', 'threads anonymized');
  return parts.length ? parts.join(', ') : 'Nothing in this profile matched the rules';
}

/** Checks a user pattern as the redactor will; returns the problem in plain words, or ''. */
export function patternProblem(source: string): string {
  try {
    compileUserPattern(source);
    return '';
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return `This pattern ${message.replace(/^redaction pattern \d+ \(.*?\) /, '')}.`;
  }
}
