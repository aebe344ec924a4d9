// Validation of every API call's arguments, used by Electron's main process (IPC) and by the
// browser mode's server (WebSocket) alike. A tiny schema module: each checker takes unknown
// input and returns a freshly built value of the exact type (unknown keys are refused, so
// nothing unexpected is passed on) or throws EmberError('BAD_INPUT').
import { EmberError } from '../../core/errors';
import { MAX_IMPORT_BASE64_CHARS, MAX_IMPORT_CHUNK_BASE64_CHARS, MAX_IMPORT_FILE_BYTES } from '../../core/api';
import { API_METHODS, METHOD_ARITY } from '../../core/api';
import { MAX_PATTERN_LENGTH, MAX_USER_PATTERNS, compileUserPattern } from '../../core/redaction';
import { captureOptionsProblem } from '../../core/capture/options';
import { MAX_TRANSFORMS, type ProfileTransform } from '../../core/profile';
import type {
  ApiArgs,
  ApiMethod,
  CaptureOptions,
  CaptureTarget,
  CompareRequest,
  ComparisonExportRequest,
  ExportRequest,
  HostInput,
  ImportBegin,
  ImportChunk,
  ImportRequest,
  PromptAnswer,
  RedactionSettings,
  SetupOptions,
} from '../../core/api';

export type Check<T> = (value: unknown, path: string) => T;

function fail(path: string, what: string): never {
  throw new EmberError('BAD_INPUT', `The app sent a malformed request: ${path} ${what}.`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export const str =
  (max = 4096, pattern?: RegExp): Check<string> =>
  (value, path) => {
    if (typeof value !== 'string') fail(path, 'must be a string');
    if (value.length > max) fail(path, `is longer than ${max} characters`);
    if (pattern && !pattern.test(value)) fail(path, 'has an unexpected form');
    return value;
  };

export const int =
  (min: number, max: number): Check<number> =>
  (value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) fail(path, 'must be an integer');
    if (value < min || value > max) fail(path, `must be between ${min} and ${max}`);
    return value;
  };

export const bool: Check<boolean> = (value, path) => {
  if (typeof value !== 'boolean') fail(path, 'must be true or false');
  return value;
};

export const literal =
  <T extends string>(...options: readonly T[]): Check<T> =>
  (value, path) => {
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) fail(path, `must be one of ${options.join(', ')}`);
    return value as T;
  };

export const arr =
  <T>(item: Check<T>, max: number): Check<T[]> =>
  (value, path) => {
    if (!Array.isArray(value)) fail(path, 'must be a list');
    if (value.length > max) fail(path, `has more than ${max} items`);
    // Every index, holes included: map() skips the holes of a sparse array (IPC's structured
    // clone keeps them), which would let `[, ]` through unchecked as a list of one undefined.
    return Array.from({ length: value.length }, (_, i) => item(value[i], `${path}[${i}]`));
  };

type Shape = Record<string, Check<unknown>>;
type FromShape<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** An object with exactly these keys (optional ones listed in `optional`). */
export const obj =
  <S extends Shape>(shape: S, optional: readonly (keyof S)[] = []): Check<FromShape<S>> =>
  (value, path) => {
    if (!isPlainObject(value)) fail(path, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!Object.prototype.hasOwnProperty.call(shape, key)) fail(`${path}.${key}`, 'is not expected');
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) {
      const check = shape[key] as Check<unknown>;
      if (!Object.prototype.hasOwnProperty.call(value, key) || value[key] === undefined) {
        if (optional.includes(key)) continue;
        fail(`${path}.${key}`, 'is missing');
      }
      out[key] = check(value[key], `${path}.${key}`);
    }
    return out as FromShape<S>;
  };

// ---------------------------------------------------------------- the API's shapes

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;
export const id: Check<string> = str(200, ID);
/** No control characters in what may end up in an ssh_config-like field or a command. */
const field = str(1024, /^[^\p{Cc}]*$/u);

export const hostInput: Check<HostInput> = obj(
  {
    id,
    label: str(200, /^[^\p{Cc}]+$/u),
    hostName: str(255, /^[A-Za-z0-9.:_[\]%-]+$/),
    user: str(64, /^[A-Za-z0-9._-]*$/),
    port: int(0, 65535),
    identityFile: field,
    proxyJump: field,
  },
  ['id'],
);

export const promptAnswer: Check<PromptAnswer> = obj({
  promptId: id,
  accept: bool,
  secret: str(4096),
  remember: bool,
});

export const setupOptions: Check<SetupOptions> = obj({ kernelSymbols: bool, allowSysAdmin: bool });

// Capture options: the shapes are checked here, the bounds and their words are core/capture's
// (the same the services, the CLI and the agent use), refused as BAD_INPUT like any bad call.
const num: Check<number> = (value, path) => {
  if (typeof value !== 'number') fail(path, 'must be a number');
  return value;
};

const text: Check<string> = (value, path) => {
  if (typeof value !== 'string') fail(path, 'must be a string');
  return value;
};

export const captureTarget: Check<CaptureTarget> = (value, path) => {
  if (!isPlainObject(value)) fail(path, 'must be an object');
  switch (value.kind) {
    case 'all':
      return obj({ kind: literal('all') })(value, path);
    case 'pid':
      return obj({ kind: literal('pid'), pid: num })(value, path);
    case 'comm':
      return obj({ kind: literal('comm'), name: text })(value, path);
    case 'cgroup':
      return obj({ kind: literal('cgroup'), path: text })(value, path);
    default:
      return fail(`${path}.kind`, 'must be one of all, pid, comm, cgroup');
  }
};

const captureOptionsShape = obj(
  {
    hz: num,
    seconds: num,
    target: captureTarget,
    strict: bool,
    kernelSymbols: bool,
    // A bound on the list's size before it is walked; the real limit is core/capture's.
    redactPatterns: arr(text, 4 * MAX_USER_PATTERNS),
    title: text,
  },
  ['kernelSymbols', 'redactPatterns', 'title'],
);

export const captureOptions: Check<CaptureOptions> = (value, path) => {
  const options = captureOptionsShape(value, path);
  const problem = captureOptionsProblem(options);
  if (problem !== undefined) throw new EmberError('BAD_INPUT', problem);
  return options;
};

/** A user's regular expression: checked as core/redaction compiles it (shape, ReDoS guard). */
export const pattern: Check<string> = (value, path) => {
  const source = str(MAX_PATTERN_LENGTH)(value, path);
  if (source.length === 0) fail(path, 'is empty');
  try {
    compileUserPattern(source);
  } catch (e) {
    fail(path, e instanceof Error ? e.message.replace(/^redaction pattern \d+ /, '') : 'is not a valid pattern');
  }
  return source;
};

export const redactionSettings: Check<RedactionSettings> = obj({
  stripPaths: bool,
  shortenPackages: bool,
  maskSensitive: bool,
  hideKernel: bool,
  anonymizeProcesses: bool,
  structureOnly: bool,
  patterns: arr(pattern, MAX_USER_PATTERNS),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const importRequest: Check<ImportRequest> = obj({
  fileName: str(255, /^[^\p{Cc}/\\]+$/u),
  dataBase64: str(MAX_IMPORT_BASE64_CHARS, BASE64),
});

export const importBegin: Check<ImportBegin> = obj({
  fileName: str(255, /^[^\p{Cc}/\\]+$/u),
  size: int(0, MAX_IMPORT_FILE_BYTES),
});

export const importChunk: Check<ImportChunk> = obj({
  importId: id,
  offset: int(0, MAX_IMPORT_FILE_BYTES),
  dataBase64: str(MAX_IMPORT_CHUNK_BASE64_CHARS, BASE64),
});


const frameName = str(4096);
const transformShapes = {
  'focus-function': obj({ type: literal('focus-function'), name: frameName }),
  'focus-subtree': obj({ type: literal('focus-subtree'), path: arr(frameName, 4096), comm: str(4096) }, ['comm']),
  'merge-function': obj({ type: literal('merge-function'), name: frameName }),
  'collapse-recursion': obj({ type: literal('collapse-recursion'), name: frameName }),
  'only-processes': obj({ type: literal('only-processes'), pids: arr(int(0, 0xffffffff), 100_000) }),
  'only-threads': obj({ type: literal('only-threads'), tids: arr(int(0, 0xffffffff), 100_000) }),
} as const;
export const profileTransform: Check<ProfileTransform> = (value, path) => {
  const type = isPlainObject(value) ? value.type : undefined;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(transformShapes, type)) fail(`${path}.type`, `must be one of ${Object.keys(transformShapes).join(', ')}`);
  return transformShapes[type as keyof typeof transformShapes](value, path) as ProfileTransform;
};

export const exportRequest: Check<ExportRequest> = obj(
  {
    captureId: id,
    format: literal('pprof', 'folded'),
    redaction: redactionSettings,
    confirmedUnredacted: bool,
    transforms: arr(profileTransform, MAX_TRANSFORMS),
  },
  ['transforms'],
);

const idOrNull: Check<string | null> = (value, path) => (value === null ? null : id(value, path));

export const compareRequest: Check<CompareRequest> = obj({ baseId: idOrNull, targetId: id });

export const comparisonExportRequest: Check<ComparisonExportRequest> = obj({
  baseId: id,
  targetId: id,
  redaction: redactionSettings,
  confirmedUnredacted: bool,
});

// ---------------------------------------------------------------- per method

const none = (): [] => [];
type ArgsCheck<M extends ApiMethod> = (args: unknown[]) => ApiArgs<M>;

/** The argument checker of every method; the keys are the complete list of API methods. */
export const API_ARGS: { readonly [M in ApiMethod]: ArgsCheck<M> } = {
  appInfo: none,
  listHosts: none,
  saveHost: (a) => [hostInput(a[0], 'host')],
  removeHost: (a) => [id(a[0], 'hostId')],
  connect: (a) => [id(a[0], 'hostId')],
  disconnect: (a) => [id(a[0], 'hostId')],
  answerPrompt: (a) => [promptAnswer(a[0], 'answer')],
  checkHost: (a) => [id(a[0], 'hostId')],
  setupPlan: (a) => [id(a[0], 'hostId'), setupOptions(a[1], 'options')],
  runSetup: (a) => [id(a[0], 'hostId'), setupOptions(a[1], 'options')],
  startCapture: (a) => [id(a[0], 'hostId'), captureOptions(a[1], 'options')],
  stopCapture: (a) => [id(a[0], 'captureId')],
  listRunningCaptures: none,
  listConnections: none,
  listCaptures: none,
  openCapture: (a) => [id(a[0], 'captureId')],
  removeCapture: (a) => [id(a[0], 'captureId')],
  importProfile: (a) => [importRequest(a[0], 'file')],
  beginImport: (a) => [importBegin(a[0], 'file')],
  importChunk: (a) => [importChunk(a[0], 'chunk')],
  finishImport: (a) => [id(a[0], 'importId')],
  cancelImport: (a) => [id(a[0], 'importId')],
  exportCapture: (a) => [exportRequest(a[0], 'request')],
  compareCaptures: (a) => [compareRequest(a[0], 'request')],
  exportComparison: (a) => [comparisonExportRequest(a[0], 'request')],
};

export { API_METHODS };

export function isApiMethod(value: unknown): value is ApiMethod {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(API_ARGS, value);
}

export interface ValidCall<M extends ApiMethod = ApiMethod> {
  readonly method: M;
  readonly args: ApiArgs<M>;
}

/** Checks one call (method name and arguments) as it arrived from the renderer. */
export function validateCall(method: unknown, args: unknown): ValidCall {
  if (!isApiMethod(method)) throw new EmberError('BAD_INPUT', 'The app asked for an operation that does not exist.');
  if (!Array.isArray(args)) fail('args', 'must be a list');
  if (args.length > METHOD_ARITY[method]) fail('args', `has more than ${METHOD_ARITY[method]} items`);
  const check = API_ARGS[method] as (a: unknown[]) => ApiArgs<ApiMethod>;
  return { method, args: check(args) };
}

/** Checks a browser-mode WebSocket request frame (already JSON-parsed). */
export function validateWireRequest(value: unknown): { id: number; call: ValidCall } {
  if (!isPlainObject(value)) fail('request', 'must be an object');
  const reqId = int(0, Number.MAX_SAFE_INTEGER)(value.id, 'request.id');
  for (const key of Object.keys(value)) {
    if (key !== 'id' && key !== 'method' && key !== 'args') fail(`request.${key}`, 'is not expected');
  }
  return { id: reqId, call: validateCall(value.method, value.args) };
}
