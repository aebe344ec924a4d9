// Sensitive-name patterns: the default set plus the user's regular expressions. User
// patterns are untrusted text typed in a box: they are validated, and shapes that can take
// exponential time (nested unbounded quantifiers, backreferences) are refused.
import { EmberError } from '../errors';

/** Words that mark auth, crypto, secrets and payment code. Matched case-insensitively, anywhere in a string. */
export const DEFAULT_SENSITIVE_WORDS: readonly string[] = Object.freeze([
  'auth', 'crypt', 'cipher', 'token', 'secret', 'password', 'passwd', 'passphrase', 'credential', 'key', 'jwt', 'session',
  'login', 'oauth', 'saml', 'hmac', 'aes', 'rsa', 'ecdsa', 'ed25519', 'x509', 'cert', 'private', 'vault', 'kms',
  'payment', 'card', 'iban', 'ssn', 'cvv', 'billing', 'bank',
]);

export const MAX_USER_PATTERNS = 64;
export const MAX_PATTERN_LENGTH = 256;

export interface SensitiveMatcher {
  /** True when any pattern matches somewhere in the text. */
  test(text: string): boolean;
  readonly sources: readonly string[];
}

function badPattern(index: number, source: string, why: string): never {
  const shown = source.length > 40 ? `${source.slice(0, 40)}…` : source;
  throw new EmberError('BAD_OPTIONS', `redaction pattern ${index + 1} (${JSON.stringify(shown)}) ${why}`);
}

/** Refuses shapes with catastrophic backtracking: a quantified group that itself contains an unbounded quantifier, and backreferences. */
export function checkPatternShape(source: string, index = 0): void {
  const groups: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) badPattern(index, source, 'uses a backreference, which is not supported');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') groups.push(false);
    else if (c === '*' || c === '+' || (c === '{' && /^\{\d*,\}/.test(source.slice(i)))) {
      if (groups.length > 0) groups[groups.length - 1] = true;
    } else if (c === ')') {
      const unboundedInside = groups.pop() ?? false;
      const after = source.slice(i + 1);
      const quantified = /^(?:[*+]|\{\d*,\d*\})/.test(after);
      if (unboundedInside && quantified) badPattern(index, source, 'repeats a group that already repeats (like (a+)+), which can take exponential time');
      if (unboundedInside && groups.length > 0) groups[groups.length - 1] = true;
    }
  }
}

export function compileUserPattern(source: string, index = 0): RegExp {
  if (typeof source !== 'string' || source.length === 0) badPattern(index, String(source), 'is empty; to hide every name use the "all" preset');
  if (source.length > MAX_PATTERN_LENGTH) badPattern(index, source, `is longer than ${MAX_PATTERN_LENGTH} characters`);
  checkPatternShape(source, index);
  try {
    return new RegExp(source, 'iu');
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e);
    return badPattern(index, source, `is not a valid regular expression: ${reason}`);
  }
}

function escape(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compileMatcher(options: { useDefaults: boolean; userPatterns: readonly string[] }): SensitiveMatcher {
  if (options.userPatterns.length > MAX_USER_PATTERNS) throw new EmberError('BAD_OPTIONS', `at most ${MAX_USER_PATTERNS} redaction patterns are accepted`);
  const regexes = options.userPatterns.map((p, i) => compileUserPattern(p, i));
  if (options.useDefaults) regexes.unshift(new RegExp(DEFAULT_SENSITIVE_WORDS.map(escape).join('|'), 'i'));
  const sources = regexes.map((r) => r.source);
  return { sources, test: (text) => regexes.some((r) => r.test(text)) };
}
