// Protocol types shared by the host agent (agent-remote/) and the app (electron/agent-client/).
// The generated message code lives in ./generated (ts-proto, @bufbuild/protobuf wire); the
// service descriptor in ./service; conversions to the profile model of core/profile in ./convert.
export * from './generated/emberscope.generated';
export * from './service';
export * from './convert';
export * from './options';
export * from './posture';
