// The public API of core/: pure TypeScript, no I/O, shared by the agent, the app and the renderer.
export * from './errors';
export * from './profile/index';
export * from './pprof/index';
export * from './folded/index';
export * from './redaction/index';
export * from './warnings/index';
