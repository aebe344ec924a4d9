// The Agent service's grpc-js method definitions on the app's side: core/protocol/service.ts's,
// with the encoded bytes wrapped in Node Buffers (what grpc-js writes).
import type { MethodDefinition } from '@grpc/grpc-js';
import { grpcMethod, type MethodDescriptor } from '../../core/protocol/service';

export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function toGrpcMethod<Req, Res>(m: MethodDescriptor<Req, Res>): MethodDefinition<Req, Res> {
  return grpcMethod(m, toBuffer);
}
