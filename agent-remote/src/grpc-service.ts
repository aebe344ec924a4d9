// grpc-js method definitions built from core/protocol's pure service descriptor (agent side).
import type { MethodDefinition } from '@grpc/grpc-js';
import type { MethodDescriptor } from '../../core/protocol/service';

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function toGrpcMethod<Req, Res>(m: MethodDescriptor<Req, Res>): MethodDefinition<Req, Res> {
  return {
    path: m.path,
    originalName: m.originalName,
    requestStream: m.requestStream,
    responseStream: m.responseStream,
    requestSerialize: (value: Req) => toBuffer(m.request.encode(value)),
    requestDeserialize: (bytes: Buffer) => m.request.decode(bytes),
    responseSerialize: (value: Res) => toBuffer(m.response.encode(value)),
    responseDeserialize: (bytes: Buffer) => m.response.decode(bytes),
  };
}
