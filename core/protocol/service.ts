// The Agent service of agent-remote/proto/emberscope.proto as a plain, typed descriptor.
// It is free of grpc-js (core/ is pure): agent-remote/ and electron/agent-client/ turn it into a
// grpc-js ServiceDefinition with `toGrpcService` (a few lines each, wrapping bytes in Buffers).
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
export type AgentMethodName = keyof AgentServiceDescriptor;
