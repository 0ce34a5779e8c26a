// `backstop demo` and the tests load the sandbox through this file only.
export { startSandbox, type RunningSandbox, type SandboxOptions } from './start-sandbox.ts';
export type { HostedBackstop, SandboxDiscord, SandboxErrorCode, SandboxHost } from './host.ts';
export { resetSandboxDatabase, resetSandboxQueues, SANDBOX_QUEUE_PREFIX } from './sandbox-state.ts';
