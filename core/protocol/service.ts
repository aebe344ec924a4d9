// The Agent service of agent-remote/proto/emberscope.proto as a plain, typed descriptor, and the
// grpc-js method definitions made from it (the agent's server and the app's client use the same
// ones). It is free of grpc-js and of Node (core/ is pure): grpc-js writes Node Buffers, so each
// side passes in the one-line function that wraps bytes in a Buffer.
import {
  CaptureEvent,
  HelloReply,
  HelloRequest,
  PostureReply,
  PostureRequest,
  StartCaptureRequest,
  StopCaptureReply,
  StopCaptureRequest,
} from './generated/emberscope.generated';

/** Bumped on incompatible changes of the proto; Hello carries it both ways. */
export const PROTOCOL_VERSION = 1;

/** Package and service name as in the proto. */
export const AGENT_SERVICE_NAME = 'emberscope.agent.v1.Agent';

/** Trailing-metadata key carrying the EmberError code of a failed call. */
export const ERROR_CODE_METADATA_KEY = 'emberscope-error-code';

export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

export interface MethodDescriptor<Req, Res> {
  /** `/emberscope.agent.v1.Agent/Hello` */
  readonly path: string;
  readonly originalName: string;
  readonly requestStream: false;
  readonly responseStream: boolean;
  readonly request: Codec<Req>;
  readonly response: Codec<Res>;
}

interface MessageCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

function codec<T>(fns: MessageCodec<T>): Codec<T> {
  return { encode: (value) => fns.encode(value).finish(), decode: (bytes) => fns.decode(bytes) };
}

function method<Req, Res>(
  name: string,
  responseStream: boolean,
  req: MessageCodec<Req>,
  res: MessageCodec<Res>,
): MethodDescriptor<Req, Res> {
  return {
    path: `/${AGENT_SERVICE_NAME}/${name}`,
    originalName: name.charAt(0).toLowerCase() + name.slice(1),
    requestStream: false,
    responseStream,
    request: codec(req),
    response: codec(res),
  };
}

export const AgentService = {
  hello: method('Hello', false, HelloRequest, HelloReply),
  posture: method('Posture', false, PostureRequest, PostureReply),
  startCapture: method('StartCapture', true, StartCaptureRequest, CaptureEvent),
  stopCapture: method('StopCapture', false, StopCaptureRequest, StopCaptureReply),
} as const;

export type AgentServiceDescriptor = typeof AgentService;
export type RequestOf<M> = M extends MethodDescriptor<infer Req, unknown> ? Req : never;
export type ResponseOf<M> = M extends MethodDescriptor<unknown, infer Res> ? Res : never;
export type AgentMethodName = keyof AgentServiceDescriptor;

/**
 * A method as grpc-js defines it (its `MethodDefinition`, structurally): serializers produce `B`,
 * the Node Buffer the caller's `wrap` makes of the encoded bytes.
 */
export interface GrpcMethod<Req, Res, B extends Uint8Array> {
  readonly path: string;
  readonly originalName: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  requestSerialize(value: Req): B;
  requestDeserialize(bytes: B): Req;
  responseSerialize(value: Res): B;
  responseDeserialize(bytes: B): Res;
}

export function grpcMethod<Req, Res, B extends Uint8Array>(m: MethodDescriptor<Req, Res>, wrap: (bytes: Uint8Array) => B): GrpcMethod<Req, Res, B> {
  return {
    path: m.path,
    originalName: m.originalName,
    requestStream: m.requestStream,
    responseStream: m.responseStream,
    requestSerialize: (value) => wrap(m.request.encode(value)),
    requestDeserialize: (bytes) => m.request.decode(bytes),
    responseSerialize: (value) => wrap(m.response.encode(value)),
    responseDeserialize: (bytes) => m.response.decode(bytes),
  };
}

/** The whole service as grpc-js defines it (a `ServiceDefinition`), keyed by the proto's method names. */
export function grpcService<B extends Uint8Array>(wrap: (bytes: Uint8Array) => B) {
  return {
    Hello: grpcMethod(AgentService.hello, wrap),
    Posture: grpcMethod(AgentService.posture, wrap),
    StartCapture: grpcMethod(AgentService.startCapture, wrap),
    StopCapture: grpcMethod(AgentService.stopCapture, wrap),
  };
}
