// Fuzz: validation of every call from the renderer (Electron IPC) and of browser-mode request
// frames. Anything either validates into a fresh, plain copy that validates again to the same
// value, or is refused with EmberError BAD_INPUT and a message; nothing else escapes.
// Settings (fixed seed in CI, `npm run fuzz` for a long run) come from test/fuzz.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EmberError } from '../../core/errors';
import { fuzzParams, fuzzTimeout } from '../../test/fuzz';
import { API_METHODS, validateCall, validateWireRequest } from './validate';

const redaction = { stripPaths: true, shortenPackages: true, maskSensitive: true, hideKernel: false, anonymizeProcesses: false, structureOnly: false, patterns: ['^billing_'] };
/** One well-formed call per method: mutated below so the fuzzer reaches the deep checks. */
const VALID: Record<string, unknown[]> = {
  appInfo: [],
  listHosts: [],
  saveHost: [{ label: 'db-1', hostName: 'db1.internal', user: 'ops', port: 22, identityFile: '', proxyJump: 'bastion' }],
  removeHost: ['h-1'],
  connect: ['local'],
  disconnect: ['local'],
  answerPrompt: [{ promptId: 'p1', accept: true, secret: '', remember: false }],
  checkHost: ['local'],
  setupPlan: ['local', { kernelSymbols: false, allowSysAdmin: false }],
  runSetup: ['local', { kernelSymbols: true, allowSysAdmin: false }],
  startCapture: ['local', { hz: 99, seconds: 0, target: { kind: 'comm', name: 'hot-c' }, strict: false }],
  stopCapture: ['c-1'],
  listRunningCaptures: [],
  listConnections: [],
  listCaptures: [],
  openCapture: ['c-1'],
  removeCapture: ['c-1'],
  importProfile: [{ fileName: 'cpu.pb.gz', dataBase64: 'H4sIAAAA' }],
  beginImport: [{ fileName: 'cpu.folded', size: 1000 }],
  importChunk: [{ importId: 'imp-1', offset: 0, dataBase64: 'AAEC' }],
  finishImport: ['imp-1'],
  cancelImport: ['imp-1'],
  exportCapture: [{ captureId: 'c-1', format: 'pprof', redaction, confirmedUnredacted: false }],
  compareCaptures: [{ baseId: null, targetId: 'c-2' }],
  exportComparison: [{ baseId: 'c-1', targetId: 'c-2', redaction, confirmedUnredacted: false }],
};

const hostile = fc.oneof(
  fc.anything(),
  fc.constantFrom('__proto__', 'constructor', 'toString', '../../etc/passwd', 'a;rm -rf /', '\u0000', '<script>', 'x'.repeat(5000), -1, 1.5, 2 ** 53, Number.NaN, Infinity, null, [], {}),
  fc.string({ maxLength: 30 }),
  fc.integer(),
);

/** A valid value with one field (at any depth) replaced, removed or joined by an extra key. */
function mutate(value: unknown, path: readonly number[], replacement: unknown, op: number): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return replacement;
  const k = (path[0] ?? 0) % entries.length;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const key = entries[k]?.[0] ?? '0';
  const rec = copy as Record<string, unknown>;
  if (path.length === 1 && op === 1) delete rec[key];
  else if (path.length === 1 && op === 2) rec[typeof replacement === 'string' ? replacement.slice(0, 20) || 'extra' : 'extra'] = replacement;
  else rec[key] = mutate(rec[key], path.slice(1), replacement, op);
  return copy;
}

const call = fc.oneof(
  fc.tuple(fc.constantFrom(...API_METHODS, 'nope', '__proto__', 'onEvent'), fc.array(fc.anything(), { maxLength: 3 })),
  fc
    .tuple(fc.constantFrom(...API_METHODS), fc.array(fc.nat(8), { minLength: 1, maxLength: 4 }), hostile, fc.integer({ min: 0, max: 2 }))
    .map(([m, path, replacement, op]) => [m, mutate(VALID[m], path, replacement, op)] as [string, unknown]),
);

function isPlainData(v: unknown, depth = 0): boolean {
  if (depth > 10) return false;
  if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return typeof v !== 'number' || Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isPlainData(x, depth + 1));
  if (typeof v === 'object') return Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every((x) => isPlainData(x, depth + 1));
  return false;
}

function expectBadInput(e: unknown): void {
  if (!(e instanceof EmberError)) throw e;
  expect(e.code).toBe('BAD_INPUT');
  expect(e.message.length).toBeGreaterThan(0);
}

describe('API validation (fuzz)', () => {
  it('fuzz: every call validates to plain data that validates again to itself, or is refused with BAD_INPUT', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(call, ([method, args]) => {
        let out;
        try {
          out = validateCall(method, args);
        } catch (e) {
          expectBadInput(e);
          refused++;
          return;
        }
        accepted++;
        expect(API_METHODS).toContain(out.method);
        expect(isPlainData(out.args)).toBe(true);
        if (Array.isArray(args) && args.length > 0) expect(out.args).not.toBe(args);
        expect(validateCall(out.method, JSON.parse(JSON.stringify(out.args)))).toEqual(out);
      }),
      fuzzParams('api-validate-call', 3000),
    );
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, fuzzTimeout());

  it('fuzz: browser-mode request frames validate to an id and a call, or are refused with BAD_INPUT', () => {
    const frame = fc.oneof(
      fc.anything(),
      fc.record({ id: fc.oneof(fc.nat(), hostile), method: fc.oneof(fc.constantFrom(...API_METHODS), hostile), args: fc.oneof(fc.array(fc.anything(), { maxLength: 3 }), hostile) }, { requiredKeys: [] }),
      call.map(([method, args]) => ({ id: 7, method, args })),
    );
    fc.assert(
      fc.property(frame, (value) => {
        try {
          const r = validateWireRequest(value);
          expect(Number.isSafeInteger(r.id) && r.id >= 0).toBe(true);
          expect(API_METHODS).toContain(r.call.method);
        } catch (e) {
          expectBadInput(e);
        }
      }),
      fuzzParams('api-validate-wire', 3000),
    );
  }, fuzzTimeout());
});
