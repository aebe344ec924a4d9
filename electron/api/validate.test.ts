import { describe, expect, it } from 'vitest';
import { API_METHODS, validateCall, validateWireRequest } from './validate';
import { METHOD_ARITY } from '../../core/api';

const redaction = { stripPaths: true, shortenPackages: true, maskSensitive: true, hideKernel: false, anonymizeProcesses: false, structureOnly: false, patterns: ['^billing_'] };

const bad = (method: unknown, args: unknown): string => {
  try {
    validateCall(method, args);
  } catch (e) {
    return e instanceof Error ? `${(e as { code?: string }).code}: ${e.message}` : String(e);
  }
  return 'accepted';
};

describe('validateCall', () => {
  it('knows every method', () => {
    expect(API_METHODS.sort()).toEqual(Object.keys(METHOD_ARITY).sort());
    expect(API_METHODS).not.toContain('onEvent');
  });

  it('accepts well-formed calls and returns fresh objects', () => {
    const input = { label: 'db-1', hostName: 'db1.internal', user: 'ops', port: 22, identityFile: '', proxyJump: 'bastion' };
    const out = validateCall('saveHost', [input]);
    expect(out.args[0]).toEqual(input);
    expect(out.args[0]).not.toBe(input);
    expect(validateCall('startCapture', ['local', { hz: 99, seconds: 0, target: { kind: 'comm', name: 'hot-c' }, strict: false }]).method).toBe('startCapture');
    expect(validateCall('exportCapture', [{ captureId: 'c-1', format: 'pprof', redaction, confirmedUnredacted: false }]).method).toBe('exportCapture');
    expect(validateCall('listCaptures', []).args).toEqual([]);
    expect(validateCall('importProfile', [{ fileName: 'cpu.pb.gz', dataBase64: 'H4sIAAAA' }]).method).toBe('importProfile');
  });

  it('refuses unknown methods, extra arguments, extra keys and wrong types', () => {
    expect(bad('onEvent', [])).toMatch(/^BAD_INPUT/);
    expect(bad('__proto__', [])).toMatch(/^BAD_INPUT/);
    expect(bad('constructor', [])).toMatch(/^BAD_INPUT/);
    expect(bad('listHosts', [1])).toMatch(/more than 0/);
    expect(bad('listHosts', 'x')).toMatch(/must be a list/);
    expect(bad('connect', [42])).toMatch(/hostId must be a string/);
    expect(bad('connect', ['../../etc'])).toMatch(/unexpected form/);
    expect(bad('startCapture', ['local', { hz: 0, seconds: 0, target: { kind: 'all' }, strict: false }])).toMatch(/hz must be between/);
    expect(bad('startCapture', ['local', { hz: 99.5, seconds: 0, target: { kind: 'all' }, strict: false }])).toMatch(/integer/);
    expect(bad('startCapture', ['local', { hz: 99, seconds: 0, target: { kind: 'pid' }, strict: false }])).toMatch(/pid is missing/);
    expect(bad('startCapture', ['local', { hz: 99, seconds: 0, target: { kind: 'all', pid: 1 }, strict: false }])).toMatch(/pid is not expected/);
    expect(bad('startCapture', ['local', { hz: 99, seconds: 0, target: { kind: 'evil' }, strict: false }])).toMatch(/kind must be one of/);
    expect(bad('saveHost', [{ label: 'x', hostName: 'a;rm -rf /', user: '', port: 22, identityFile: '', proxyJump: '' }])).toMatch(/hostName has an unexpected form/);
    expect(bad('saveHost', [{ label: 'x\n', hostName: 'a', user: '', port: 22, identityFile: '', proxyJump: '' }])).toMatch(/label/);
    expect(bad('exportCapture', [{ captureId: 'c', format: 'svg', redaction, confirmedUnredacted: false }])).toMatch(/format must be one of/);
    expect(bad('exportCapture', [{ captureId: 'c', format: 'pprof', redaction: { ...redaction, patterns: ['(a+)+'] }, confirmedUnredacted: false }])).toMatch(/repeats a group/);
    expect(bad('exportCapture', [{ captureId: 'c', format: 'pprof', redaction: { ...redaction, patterns: ['['] }, confirmedUnredacted: false }])).toMatch(/not a valid regular expression/);
    expect(bad('importProfile', [{ fileName: '../x', dataBase64: '' }])).toMatch(/fileName/);
    expect(bad('importProfile', [{ fileName: 'x', dataBase64: 'not base64!' }])).toMatch(/dataBase64/);
    const withProto = JSON.parse('{"promptId":"p1","accept":true,"secret":"","remember":false,"__proto__":{"x":1}}') as unknown;
    expect(bad('answerPrompt', [withProto])).toMatch(/__proto__ is not expected/);
    class Fake {
      promptId = 'p';
      accept = true;
      secret = '';
      remember = false;
    }
    expect(bad('answerPrompt', [new Fake()])).toMatch(/must be an object/);
  });

  it('checks the holes of sparse lists (IPC keeps them; found by fuzzing)', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [, '^x'];
    expect(bad('exportCapture', [{ captureId: 'c', format: 'pprof', redaction: { ...redaction, patterns: sparse }, confirmedUnredacted: false }])).toMatch(/patterns\[0\] must be a string/);
  });

  it('checks wire requests', () => {
    expect(validateWireRequest({ id: 3, method: 'listHosts', args: [] }).id).toBe(3);
    expect(() => validateWireRequest({ id: -1, method: 'listHosts', args: [] })).toThrow(/request.id/);
    expect(() => validateWireRequest({ id: 1, method: 'listHosts', args: [], extra: 1 })).toThrow(/extra is not expected/);
  });
});

describe('export transforms', () => {
  it('accepts the known transforms and refuses unknown types and keys', async () => {
    const { exportRequest } = await import('./validate');
    const base = { captureId: 'c-1', format: 'pprof', redaction: { stripPaths: false, shortenPackages: false, maskSensitive: true, hideKernel: false, anonymizeProcesses: false, structureOnly: false, patterns: [] }, confirmedUnredacted: false };
    const transforms = [
      { type: 'focus-function', name: 'a' },
      { type: 'focus-subtree', path: ['main', 'b'] },
      { type: 'focus-subtree', path: [], comm: 'python3' },
      { type: 'merge-function', name: 'x' },
      { type: 'collapse-recursion', name: 'fib' },
      { type: 'only-processes', pids: [1, 2] },
      { type: 'only-threads', tids: [3] },
    ];
    expect(exportRequest({ ...base, transforms }, 'request').transforms).toEqual(transforms);
    expect(exportRequest(base, 'request').transforms).toBeUndefined();
    expect(() => exportRequest({ ...base, transforms: [{ type: 'rm-rf', name: 'x' }] }, 'request')).toThrow(/request\.transforms\[0\]\.type must be one of/);
    expect(() => exportRequest({ ...base, transforms: [{ type: 'merge-function', name: 'x', extra: 1 }] }, 'request')).toThrow(/extra is not expected/);
    expect(() => exportRequest({ ...base, transforms: [{ type: 'only-processes', pids: [-1] }] }, 'request')).toThrow(/must be between/);
    expect(() => exportRequest({ ...base, transforms: Array.from({ length: 33 }, () => transforms[0]) }, 'request')).toThrow(/more than 32/);
  });
});
