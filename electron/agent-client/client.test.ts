// The client against hostile or dying agents (an in-process gRPC server on a socket pair).
import { Server, ServerCredentials, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from '@grpc/grpc-js';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FrameKind, FrameStatus, type CaptureEvent, type HelloReply, type HelloRequest, type StartCaptureRequest } from '../../core/protocol/generated/emberscope.generated';
import { AgentService, PROTOCOL_VERSION } from '../../core/protocol/service';
import { connectAgent, type AgentClient } from './client';
import { toGrpcMethod } from './grpc-service';
import { DEFAULT_VALIDATION_LIMITS, sanitizeMessage } from './validate';

const dir = mkdtempSync(join(tmpdir(), 'emberscope-client-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface FakeAgent {
  client: AgentClient;
  serverSocket: () => Socket | undefined;
  stop(): Promise<void>;
}

async function fakeAgent(impl: {
  hello?: (req: HelloRequest) => HelloReply;
  capture?: (call: ServerWritableStream<StartCaptureRequest, CaptureEvent>) => void;
}): Promise<FakeAgent> {
  const server = new Server();
  server.addService(
    { Hello: toGrpcMethod(AgentService.hello), StartCapture: toGrpcMethod(AgentService.startCapture) },
    {
      Hello: (call: ServerUnaryCall<HelloRequest, HelloReply>, cb: sendUnaryData<HelloReply>) => cb(null, (impl.hello ?? (() => ({ agentVersion: 'x', protocolVersion: PROTOCOL_VERSION, host: undefined })))(call.request)),
      StartCapture: (call: ServerWritableStream<StartCaptureRequest, CaptureEvent>) => impl.capture?.(call),
    },
  );
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const path = join(dir, `s${Math.random().toString(36).slice(2)}.sock`);
  let sock: Socket | undefined;
  const listener = createServer((s) => {
    sock = s;
    injector.injectConnection(s);
  });
  await new Promise<void>((r) => listener.listen(path, () => r()));
  const client = await connectAgent(() => Promise.resolve(connect(path)));
  return {
    client,
    serverSocket: () => sock,
    stop: async () => {
      await client.close();
      injector.destroy();
      server.forceShutdown();
      listener.close();
    },
  };
}

describe('agent client', () => {
  it('caps strings and control characters from a hostile agent', async () => {
    const a = await fakeAgent({
      hello: () => ({ agentVersion: 'v\u001b[31mred', protocolVersion: PROTOCOL_VERSION, host: { kernelRelease: 'k'.repeat(100_000), arch: 'x64', machine: '', nodeVersion: '', uid: 0, user: '', hostname: 'h', ncpus: 1, osRelease: '', agentPid: 1 } }),
    });
    try {
      const h = await a.client.hello();
      expect(h.agentVersion).toBe('v\ufffd[31mred');
      expect(h.host?.kernelRelease.length).toBe(DEFAULT_VALIDATION_LIMITS.maxString);
      expect(h.host?.kernelRelease.endsWith('…')).toBe(true);
    } finally {
      await a.stop();
    }
  });

  it('refuses an agent of another protocol version', async () => {
    const a = await fakeAgent({ hello: () => ({ agentVersion: 'x', protocolVersion: PROTOCOL_VERSION + 1, host: undefined }) });
    try {
      await expect(a.client.hello()).rejects.toMatchObject({ code: 'PROTOCOL' });
    } finally {
      await a.stop();
    }
  });

  it('refuses lists over the bound, and data before the start event', async () => {
    const frames = Array.from({ length: 300_000 }, (_, i) => ({ id: i, name: '', module: '', buildId: '', file: '', line: 0, address: '', kind: FrameKind.FRAME_KIND_USER, status: FrameStatus.FRAME_STATUS_SYMBOLIZED, mangled: '', source: '', unnamed: '' }));
    const a = await fakeAgent({
      capture: (call) => {
        call.write({ event: { $case: 'delta', value: { seq: 0, timeMs: 0, frames: frames.slice(0, 1), stacks: [], counts: [], stats: undefined, processes: [], partial: false } } });
        call.end();
      },
    });
    try {
      const it1 = a.client.startCapture({})[Symbol.asyncIterator]();
      await expect(it1.next()).rejects.toMatchObject({ code: 'PROTOCOL', message: expect.stringMatching(/before the start/) });
    } finally {
      await a.stop();
    }
    expect(() => sanitizeMessage({ frames })).toThrow(/bound/);
  });

  it('replaces bidirectional overrides, which would show a name reversed', () => {
    const { value } = sanitizeMessage({ name: 'a\u202eevil\u2066x\u200fy', ok: 'café ü 中文\tz' });
    expect(value).toEqual({ name: 'a\ufffdevil\ufffdx\ufffdy', ok: 'café ü 中文\tz' });
  });

  it('reports CONNECTION_LOST when the agent goes away mid-capture, keeping what arrived', async () => {
    const a = await fakeAgent({
      capture: (call) => {
        call.write({ event: { $case: 'started', value: { captureId: 'c1', sampler: undefined, effectiveOptions: undefined, agent: undefined, samplerProcess: undefined, strictRedaction: false, strictReason: '', notes: [] } } });
        setTimeout(() => a.serverSocket()?.destroy(), 100);
      },
    });
    const got: CaptureEvent[] = [];
    try {
      const stream = a.client.startCapture({});
      await expect(
        (async () => {
          for await (const e of stream) got.push(e);
        })(),
      ).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
      expect((await stream.started).captureId).toBe('c1');
      expect(got.length).toBe(1);
      expect(await a.client.closed).toBeUndefined();
    } finally {
      await a.stop();
    }
  });

  it('removes its private socket directory on close', async () => {
    const a = await fakeAgent({});
    await a.client.hello();
    const before = new Set((await import('node:fs')).readdirSync(tmpdir()).filter((n) => n.startsWith('emberscope-agent-')));
    await a.stop();
    const after = new Set((await import('node:fs')).readdirSync(tmpdir()).filter((n) => n.startsWith('emberscope-agent-')));
    expect([...before].filter((d) => !after.has(d)).length).toBe(1);
    expect(existsSync(join(tmpdir(), [...before].find((d) => !after.has(d)) ?? 'x'))).toBe(false);
  });
});
