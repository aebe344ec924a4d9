// A MALICIOUS AGENT: a test double of a compromised host. It speaks the real protocol (the
// Agent service of core/protocol over grpc-js, bound to its own stdin/stdout exactly like
// agent-remote/src/server.ts) but writes capture events byte by byte, so it can send what the
// generated encoders never would: invalid UTF-8, 64-bit counts, messages over the size bound,
// millions of unique stacks, very deep stacks, HTML and <script> in names.
//
//   node --import tsx test/hostile/malicious-agent.ts <scenario>
//
// Scenarios are listed in SCENARIOS below (and described in hostile-protocol.ts).
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type ServiceDefinition } from '@grpc/grpc-js';
import { Duplex } from 'node:stream';
import { AgentService, PROTOCOL_VERSION } from '../../core/protocol/service';
import { HelloReply, PostureReply, type HelloRequest, type PostureRequest, type StartCaptureRequest, type StopCaptureReply, type StopCaptureRequest } from '../../core/protocol/generated/emberscope.generated';
import { toGrpcMethod } from '../../electron/agent-client/grpc-service';
import { SCENARIOS, encodeScenario, type ScenarioName } from './hostile-protocol';

const scenario = process.argv[2] as ScenarioName;
if (!SCENARIOS.includes(scenario)) {
  process.stderr.write(`malicious-agent: unknown scenario ${String(scenario)}; one of ${SCENARIOS.join(', ')}\n`);
  process.exit(2);
}

let stopRequested = false;

function unary<Req, Res>(fn: (req: Req) => Res) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => callback(null, fn(call.request));
}

/** Raw bytes out: the response serializer of StartCapture passes our hand-made bytes through. */
const startCapture = toGrpcMethod(AgentService.startCapture);
const definition: ServiceDefinition = {
  Hello: toGrpcMethod(AgentService.hello),
  Posture: toGrpcMethod(AgentService.posture),
  StartCapture: { ...startCapture, responseSerialize: (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength) } as unknown as typeof startCapture,
  StopCapture: toGrpcMethod(AgentService.stopCapture),
};

const hello = unary<HelloRequest, HelloReply>(() =>
  HelloReply.fromPartial({
    agentVersion: '<script>window.__pwned = "hello"</script>',
    protocolVersion: PROTOCOL_VERSION,
    host: { kernelRelease: '6.18.0', arch: 'x64', machine: 'x86_64', nodeVersion: process.version, user: '<b>ops</b>', hostname: '<img src=x onerror=alert(1)>', ncpus: 2 },
  }),
);

// A posture that lets the app go on to a capture: BTF present, a modern kernel, the sampler
// "installed" with exactly its capabilities.
const posture = unary<PostureRequest, PostureReply>((req) =>
  PostureReply.fromPartial({
    kernel: {
      release: '6.18.0',
      major: 6,
      minor: 18,
      btfPresent: true,
      perfEventParanoid: { present: true, value: 2 },
      unprivilegedBpfDisabled: { present: true, value: 2 },
      kptrRestrict: { present: true, value: 1 },
      perfEventMaxStack: { present: true, value: 127 },
      lockdown: 'none',
      kallsymsReadable: true,
    },
    samplerFile: {
      path: req.samplerPath,
      exists: true,
      uid: 0,
      gid: 0,
      group: 'emberscope',
      mode: 0o750,
      hasFileCaps: true,
      fileCapsText: 'cap_bpf,cap_perfmon=ep',
      fileCapsPermitted: ['cap_bpf', 'cap_perfmon'],
      fileCapsEffective: true,
      callerCanExecute: true,
    },
    agent: { role: 'agent', present: true, pid: process.pid, caps: { inheritable: '0', permitted: '0', effective: '0', bounding: '0', ambient: '0' }, noNewPrivs: true },
    cgroupV2: true,
    notes: ['<script>window.__pwned = "posture"</script>'],
  }),
);

const stopCapture = unary<StopCaptureRequest, StopCaptureReply>(() => {
  stopRequested = true;
  return { stopped: true };
});

function startCaptureHandler(call: ServerWritableStream<StartCaptureRequest, Uint8Array>): void {
  let cancelled = false;
  call.on('cancelled', () => (cancelled = true));
  const write = (bytes: Uint8Array): Promise<void> =>
    new Promise((resolve) => {
      if (cancelled || call.destroyed) resolve();
      else if (call.write(bytes)) resolve();
      else call.once('drain', () => resolve());
    });
  void (async () => {
    for (const bytes of encodeScenario(scenario, () => stopRequested || cancelled)) {
      if (cancelled) return;
      if (bytes === 'pause') {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      await write(bytes);
    }
    if (!cancelled && !call.destroyed) call.end();
  })();
}

const server = new Server({ 'grpc.max_receive_message_length': 1024 * 1024, 'grpc.max_send_message_length': 64 * 1024 * 1024 });
server.addService(definition, { Hello: hello, Posture: posture, StartCapture: startCaptureHandler, StopCapture: stopCapture });
const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
injector.injectConnection(Duplex.from({ readable: process.stdin, writable: process.stdout }));
process.stdin.on('end', () => {
  injector.destroy();
  server.forceShutdown();
  process.exit(0);
});
process.stderr.write(`malicious-agent: serving scenario ${scenario}\n`);
