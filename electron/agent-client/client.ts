// Typed client of the host agent over any duplex stream (see transport.ts).
import { Client, Metadata, credentials, status as GrpcStatus, type ServiceError, type ClientReadableStream } from '@grpc/grpc-js';
import type { Duplex } from 'node:stream';
import { EmberError, type ErrorCode } from '../../core/errors';
import {
  AgentService,
  ERROR_CODE_METADATA_KEY,
  PROTOCOL_VERSION,
  type MethodDescriptor,
} from '../../core/protocol/service';
import { toErrorCode } from '../../core/protocol/convert';
import { EMBERSCOPE_VERSION } from '../../core/version';
import { buildCaptureOptions, type CaptureOptionsInput } from '../../core/protocol/options';
import type {
  CaptureEvent,
  CaptureOptions,
  CaptureStarted,
  HelloReply,
  PostureReply,
  PostureRequest,
  StopCaptureReply,
} from '../../core/protocol/generated/emberscope.generated';
import { toGrpcMethod } from './grpc-service';
import { bridgeStream, type AgentStreamFactory, type StreamBridge } from './transport';
import { DEFAULT_VALIDATION_LIMITS, sanitizeMessage, type ValidationLimits } from './validate';

export const CLIENT_VERSION = EMBERSCOPE_VERSION;

export interface ConnectOptions {
  /** Largest message accepted from the agent (default 16 MiB). */
  maxMessageBytes?: number;
  validation?: Partial<ValidationLimits>;
  /** Deadline of unary calls (default 60 s; Posture may hash the sampler). */
  callTimeoutMs?: number;
}

export interface CaptureStream extends AsyncIterable<CaptureEvent> {
  /** The `started` event (rejects with the EmberError if the capture did not start). */
  readonly started: Promise<CaptureStarted>;
  /** Cancels the call: the agent stops the sampler; iteration ends without an error. */
  cancel(): void;
}

export interface AgentClient {
  hello(): Promise<HelloReply>;
  posture(request?: Partial<PostureRequest>): Promise<PostureReply>;
  /** Accepts friendly input (core/protocol/options) or a full wire CaptureOptions. */
  startCapture(options?: CaptureOptionsInput | CaptureOptions): CaptureStream;
  stopCapture(captureId?: string): Promise<StopCaptureReply>;
  /** Resolves when the agent's stream ended (the agent exited or the connection dropped). */
  readonly closed: Promise<Error | undefined>;
  close(): Promise<void>;
}

function isWireOptions(o: CaptureOptionsInput | CaptureOptions): o is CaptureOptions {
  return 'excludePids' in o && 'limits' in o && typeof (o as CaptureOptions).hz === 'number' && 'target' in o && typeof (o as CaptureOptions).target === 'object' && typeof (o as CaptureOptions).target?.kind === 'number';
}

/** Maps a gRPC failure to an EmberError with a stable code. */
export function toEmberError(e: unknown): EmberError {
  if (e instanceof EmberError) return e;
  const se = e as Partial<ServiceError>;
  if (typeof se.code === 'number') {
    const fromMeta = se.metadata?.get(ERROR_CODE_METADATA_KEY)[0];
    const details = typeof se.details === 'string' ? se.details : '';
    if (typeof fromMeta === 'string') {
      const code = toErrorCode(fromMeta.slice(0, 64));
      const msg = details.startsWith(`${code}: `) ? details.slice(code.length + 2) : details;
      return new EmberError(code, msg.slice(0, 2000) || code);
    }
    let code: ErrorCode;
    switch (se.code) {
      case GrpcStatus.UNAVAILABLE:
        code = 'CONNECTION_LOST';
        break;
      case GrpcStatus.CANCELLED:
        code = 'CANCELLED';
        break;
      case GrpcStatus.RESOURCE_EXHAUSTED:
        code = 'TOO_LARGE';
        break;
      case GrpcStatus.UNIMPLEMENTED:
      case GrpcStatus.INTERNAL:
        code = 'PROTOCOL';
        break;
      case GrpcStatus.DEADLINE_EXCEEDED:
        code = 'AGENT_FAILED';
        break;
      default:
        code = 'AGENT_FAILED';
    }
    // grpc-js words these two for developers; say what the agent did, in one sentence.
    const tooLarge = /larger than max \((\d+) vs (\d+)\)/.exec(details);
    if (code === 'TOO_LARGE' && tooLarge) {
      return new EmberError(code, `The agent sent a message of ${tooLarge[1]} bytes, more than the limit of ${tooLarge[2]} bytes: the capture was stopped.`, { grpcCode: se.code });
    }
    const parse = /^Response message parsing error: (.*)$/s.exec(details);
    if (parse) {
      return new EmberError('PROTOCOL', `The agent sent a message that is not valid protocol (${(parse[1] ?? '').slice(0, 200).replace(/\.$/, '')}).`, { grpcCode: se.code });
    }
    return new EmberError(code, `The agent call failed: ${details.slice(0, 2000) || 'no details'}.`, { grpcCode: se.code });
  }
  return new EmberError('INTERNAL', e instanceof Error ? e.message : String(e));
}

/**
 * Connects to an agent over a duplex stream or a factory of one (called once, when gRPC
 * connects). Checks the protocol version with Hello lazily (on the first call of hello()).
 */
export async function connectAgent(source: Duplex | AgentStreamFactory, options: ConnectOptions = {}): Promise<AgentClient> {
  const bridge: StreamBridge = await bridgeStream(source);
  const maxMessageBytes = options.maxMessageBytes ?? 16 * 1024 * 1024;
  const limits: ValidationLimits = { ...DEFAULT_VALIDATION_LIMITS, ...options.validation };
  const client = new Client(bridge.address, credentials.createInsecure(), {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    'grpc.default_authority': 'emberscope-agent',
    'grpc.enable_retries': 0,
    'grpc.keepalive_permit_without_calls': 0,
  });
  const timeout = options.callTimeoutMs ?? 60_000;
  let closed = false;

  function unary<Req, Res>(m: MethodDescriptor<Req, Res>, request: Req): Promise<Res> {
    if (closed) return Promise.reject(new EmberError('CONNECTION_LOST', 'The agent connection is closed.'));
    const def = toGrpcMethod(m);
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest<Req, Res>(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        new Metadata(),
        { deadline: Date.now() + timeout },
        (error, value) => {
          if (error) reject(toEmberError(error));
          else if (value === undefined) reject(new EmberError('PROTOCOL', 'The agent sent an empty reply.'));
          else {
            try {
              resolve(sanitizeMessage(value, limits).value);
            } catch (e) {
              reject(toEmberError(e));
            }
          }
        },
      );
    });
  }

  const agent: AgentClient = {
    closed: bridge.ended,
    hello: async () => {
      const reply = await unary(AgentService.hello, { clientVersion: CLIENT_VERSION, protocolVersion: PROTOCOL_VERSION });
      if (reply.protocolVersion !== PROTOCOL_VERSION) {
        throw new EmberError('PROTOCOL', `The agent speaks protocol ${reply.protocolVersion}, this app speaks ${PROTOCOL_VERSION}: deploy the matching agent.`);
      }
      return reply;
    },
    posture: (request = {}) =>
      unary(AgentService.posture, {
        samplerPath: request.samplerPath ?? '',
        installDir: request.installDir ?? '',
        cacheDir: request.cacheDir ?? '',
        pids: request.pids ?? [],
        binaries: request.binaries ?? [],
        expectKernelSymbols: request.expectKernelSymbols ?? false,
      }),
    stopCapture: (captureId = '') => unary(AgentService.stopCapture, { captureId }),
    startCapture: (input = {}) => {
      const opts = isWireOptions(input) ? input : buildCaptureOptions(input);
      const def = toGrpcMethod(AgentService.startCapture);
      let call: ClientReadableStream<CaptureEvent> | undefined;
      let cancelled = false;
      let resolveStarted: (s: CaptureStarted) => void = () => undefined;
      let rejectStarted: (e: EmberError) => void = () => undefined;
      const started = new Promise<CaptureStarted>((res, rej) => {
        resolveStarted = res;
        rejectStarted = rej;
      });
      started.catch(() => undefined);
      if (closed) {
        rejectStarted(new EmberError('CONNECTION_LOST', 'The agent connection is closed.'));
      } else {
        call = client.makeServerStreamRequest<{ options: CaptureOptions }, CaptureEvent>(
          def.path,
          def.requestSerialize,
          def.responseDeserialize,
          { options: opts },
          new Metadata(),
        );
      }
      async function* iterate(): AsyncGenerator<CaptureEvent> {
        if (!call) throw await started.catch((e: unknown) => toEmberError(e));
        let sawStart = false;
        try {
          for await (const raw of call as AsyncIterable<CaptureEvent>) {
            const event = sanitizeMessage(raw, limits).value;
            if (event.event?.$case === 'started') {
              sawStart = true;
              resolveStarted(event.event.value);
            } else if (!sawStart) {
              throw new EmberError('PROTOCOL', 'The agent sent capture data before the start event.');
            }
            yield event;
          }
          if (!sawStart) rejectStarted(new EmberError('PROTOCOL', 'The capture ended before it started.'));
        } catch (e) {
          const err = toEmberError(e);
          rejectStarted(err);
          if (cancelled && err.code === 'CANCELLED') return;
          call.cancel();
          throw err;
        }
      }
      const iterable = iterate();
      return {
        started,
        cancel: () => {
          cancelled = true;
          call?.cancel();
          rejectStarted(new EmberError('CANCELLED', 'The capture was cancelled.'));
        },
        [Symbol.asyncIterator]: () => iterable,
      };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      client.close();
      await bridge.close();
    },
  };
  void bridge.ended.then(() => {
    // The stream ended: calls in flight fail with UNAVAILABLE (CONNECTION_LOST).
  });
  return agent;
}
