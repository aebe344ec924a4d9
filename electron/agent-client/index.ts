// Public API of the agent client: the app's typed way to talk to a host agent.
export { connectAgent, toEmberError, CLIENT_VERSION } from './client';
export type { AgentClient, CaptureStream, ConnectOptions } from './client';
export { AGENT_NODE_FLAGS, spawnLocalAgent } from './local';
export type { LocalAgentOptions } from './local';
export { sshAgentStream } from './ssh';
export type { SshAgentOptions } from './ssh';
export { bridgeStream } from './transport';
export type { AgentStreamFactory, StreamBridge } from './transport';
export { sanitizeMessage, DEFAULT_VALIDATION_LIMITS } from './validate';
export type { ValidationLimits } from './validate';
