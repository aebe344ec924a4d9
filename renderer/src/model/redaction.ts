// The view's redaction: the panel's toggles and patterns applied to the open profile with
// core's rules (the same code the export and the host's strict mode run).
import type { Profile } from '../../../core/profile/types';
import { compileUserPattern, redactProfile, type RedactionReport, type RedactionRuleId } from '../../../core/redaction';
import type { RedactionPreset, RedactionSettings } from '../../../electron/api/types';

export interface ViewRedaction {
  readonly profile: Profile;
  /** e.g. "23 functions masked, 140 paths stripped" or "No redaction". */
  readonly summary: string;
  readonly active: boolean;
}

export const NO_REDACTION: RedactionSettings = Object.freeze({
  stripPaths: false,
  shortenPackages: false,
  maskSensitive: false,
  hideKernel: false,
  anonymizeProcesses: false,
  structureOnly: false,
  patterns: [],
});

export const PRESETS: Readonly<Record<RedactionPreset, RedactionSettings>> = {
  none: NO_REDACTION,
  paths: { ...NO_REDACTION, stripPaths: true },
  standard: { ...NO_REDACTION, stripPaths: true, shortenPackages: true, maskSensitive: true },
  strict: { ...NO_REDACTION, stripPaths: true, shortenPackages: true, maskSensitive: true, hideKernel: true, anonymizeProcesses: true },
  all: { ...NO_REDACTION, stripPaths: true, shortenPackages: true, maskSensitive: true, hideKernel: true, anonymizeProcesses: true, structureOnly: true },
};

export function isRedactionOff(s: RedactionSettings): boolean {
  return !s.stripPaths && !s.shortenPackages && !s.maskSensitive && !s.hideKernel && !s.anonymizeProcesses && !s.structureOnly && s.patterns.length === 0;
}

export function presetOf(s: RedactionSettings): RedactionPreset | 'custom' {
  for (const [name, p] of Object.entries(PRESETS) as [RedactionPreset, RedactionSettings][]) {
    if (
      p.stripPaths === s.stripPaths &&
      p.shortenPackages === s.shortenPackages &&
      p.maskSensitive === s.maskSensitive &&
      p.hideKernel === s.hideKernel &&
      p.anonymizeProcesses === s.anonymizeProcesses &&
      p.structureOnly === s.structureOnly &&
      s.patterns.length === 0
    ) {
      return name;
    }
  }
  return 'custom';
}

/**
 * User patterns are part of the mask rule: while there are any, "Mask sensitive names" is on.
 * The view, the export request and the backend all apply this, so what is masked on screen is
 * what is masked in the file (the services' export applies patterns only with that rule on).
 */
export function normalizeRedaction(s: RedactionSettings): RedactionSettings {
  return s.patterns.length > 0 && !s.maskSensitive ? { ...s, maskSensitive: true } : s;
}

/** The rules of a settings object, in core's terms. */
export function rulesOf(settings: RedactionSettings): RedactionRuleId[] {
  const s = normalizeRedaction(settings);
  const rules: RedactionRuleId[] = [];
  if (s.stripPaths) rules.push('strip-paths');
  if (s.shortenPackages) rules.push('shorten-packages');
  if (s.maskSensitive) rules.push('mask-sensitive');
  if (s.hideKernel) rules.push('hide-kernel');
  if (s.anonymizeProcesses) rules.push('anonymize-processes');
  if (s.structureOnly) rules.push('structure-only');
  return rules;
}

/** "23 functions masked, 140 paths stripped" from core's report (zero counts left out). */
export function summarize(r: RedactionReport): string {
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

/** Checks a user pattern as core will; returns the problem in plain words, or ''. */
export function patternProblem(source: string): string {
  try {
    compileUserPattern(source);
    return '';
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return `This pattern ${message.replace(/^redaction pattern \d+ \(.*?\) /, '')}.`;
  }
}

let viewKey: Uint8Array | null = null;
/** A random key for this window's masks: stable while toggling, never the export's key. */
function key(): Uint8Array {
  if (!viewKey) viewKey = crypto.getRandomValues(new Uint8Array(32));
  return viewKey;
}

export function redactForView(profile: Profile, settings: RedactionSettings): ViewRedaction {
  if (isRedactionOff(settings)) return { profile, summary: 'No redaction: names and paths are shown as captured', active: false };
  const result = redactProfile(profile, { rules: rulesOf(settings), patterns: settings.patterns, key: key() });
  return { profile: result.profile, summary: summarize(result.report), active: true };
}
