// The Agent gRPC service and its binding to a duplex stream (the agent's own stdin/stdout).
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation, type ServiceDefinition } from '@grpc/grpc-js';
import type { Duplex } from 'node:stream';
import { EmberError } from '../../core/errors';
import { AgentService, grpcService, PROTOCOL_VERSION, type MethodDescriptor, type RequestOf, type ResponseOf } from '../../core/protocol/service';
import { hostFacts } from './hostfacts';
import { log } from './log';
import { collectPosture, type PostureContext } from './posture';
import { CaptureSession, type CaptureSummary, type Send } from './capture/session';
import { EMBERSCOPE_VERSION } from '../../core/version';
import { asEmberError, toServiceError } from './errors';

export interface AgentState {
  active: CaptureSession | undefined;
  last: CaptureSummary | undefined;
}

type StartCaptureCall = ServerWritableStream<RequestOf<typeof AgentService.startCapture>, ResponseOf<typeof AgentService.startCapture>>;

/** A unary handler of method `_m` (which only gives the request and reply types). */
function unary<Req, Res>(_m: MethodDescriptor<Req, Res>, fn: (req: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    fn(call.request).then(
      (res) => callback(null, res),
      (e: unknown) => {
        const err = asEmberError(e);
        log(err.code === 'INTERNAL' ? 'error' : 'info', `call failed: ${err.code}: ${err.message}`);
        callback(toServiceError(err));
      },
    );
  };
}

export function createAgentService(state: AgentState = { active: undefined, last: undefined }): {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  state: AgentState;
} {
  const definition: ServiceDefinition = grpcService((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

  const hello = unary(AgentService.hello, async (req) => {
    log('debug', `hello from client ${req.clientVersion.slice(0, 64)} (protocol ${req.protocolVersion})`);
    return { agentVersion: EMBERSCOPE_VERSION, protocolVersion: PROTOCOL_VERSION, host: hostFacts() };
  });

  const posture = unary(AgentService.posture, async (req) => {
    const ctx: PostureContext = {
      samplerPid: state.active?.samplerPid,
      last: state.last,
    };
    return collectPosture(req, ctx);
  });

  const stopCapture = unary(AgentService.stopCapture, async (req) => {
    const s = state.active;
    if (!s || (req.captureId !== '' && req.captureId !== s.id)) return { stopped: false };
    s.stop();
    return { stopped: true };
  });

  const startCapture = (call: StartCaptureCall): void => {
    const previous = state.active;
    if (previous?.isStopping) {
      // A capture that is being stopped (or was cancelled) finishes within seconds: wait for it.
      const timeout = new Promise<void>((r) => setTimeout(r, 10_000).unref());
      void Promise.race([previous.done, timeout]).then(() => startCaptureNow(call));
      return;
    }
    startCaptureNow(call);
  };

  const startCaptureNow = (call: StartCaptureCall): void => {
    if (call.cancelled) return;
    if (state.active) {
      call.emit('error', toServiceError(new EmberError('CAPTURE_BUSY', 'A capture is already running on this agent: stop it first.')));
      return;
    }
    let session: CaptureSession;
    try {
      session = new CaptureSession(call.request.options);
    } catch (e) {
      call.emit('error', toServiceError(e));
      return;
    }
    state.active = session;
    call.on('cancelled', () => session.stop());
    const send: Send = (event) =>
      new Promise<void>((resolve) => {
        if (call.cancelled || call.destroyed) {
          resolve();
          return;
        }
        if (call.write(event)) resolve();
        else call.once('drain', () => resolve());
      });
    session.run(send).then(
      (summary) => {
        state.last = summary;
        if (state.active === session) state.active = undefined;
        if (!call.cancelled && !call.destroyed) call.end();
      },
      (e: unknown) => {
        if (state.active === session) state.active = undefined;
        const err = asEmberError(e);
        log('info', `capture failed: ${err.code}: ${err.message}`);
        if (!call.cancelled && !call.destroyed) call.emit('error', toServiceError(err));
      },
    );
  };

  return { definition, implementation: { Hello: hello, Posture: posture, StartCapture: startCapture, StopCapture: stopCapture }, state };
}

/** Interval of the agent's pings to the app, and how long it waits for each answer. */
export const KEEPALIVE_MS = 10_000;

/** Serves the agent on one duplex stream (no listening socket). */
export function serveOnStream(stream: Duplex): { server: Server; state: AgentState; shutdown(): void } {
  const server = new Server({
    'grpc.max_receive_message_length': 1024 * 1024,
    'grpc.max_send_message_length': 32 * 1024 * 1024,
    // When the network path dies silently, sshd may hold the channel open for hours (its
    // ClientAlive checks are off by default) and the sampler would go on: the agent pings
    // the app itself and ends the connection, and with it the capture, when pings go unanswered.
    'grpc.keepalive_time_ms': KEEPALIVE_MS,
    'grpc.keepalive_timeout_ms': KEEPALIVE_MS,
  });
  const svc = createAgentService();
  server.addService(svc.definition, svc.implementation);
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  injector.injectConnection(stream);
  return {
    server,
    state: svc.state,
    shutdown: () => {
      svc.state.active?.stop();
      injector.destroy();
      server.forceShutdown();
    },
  };
}
