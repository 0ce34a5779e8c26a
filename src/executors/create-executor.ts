import type { ExecutorConfig } from '../config/schema.ts';
import { createCommandExecutor, type CommandExecutorDeps } from './command.ts';
import type { Executor } from './types.ts';
import { createWebhookExecutor, type WebhookExecutorDeps } from './webhook.ts';

export type ExecutorDeps = CommandExecutorDeps & WebhookExecutorDeps;

type Factories = { [K in ExecutorConfig['kind']]: (config: Extract<ExecutorConfig, { kind: K }>, deps: ExecutorDeps) => Executor };

// One entry per executor kind; a new kind (github-actions) is a schema variant plus one line here.
const FACTORIES = {
  command: createCommandExecutor,
  webhook: createWebhookExecutor,
} satisfies Factories;

export function createExecutor(config: ExecutorConfig, deps: ExecutorDeps): Executor {
  const factory = FACTORIES[config.kind] as (config: ExecutorConfig, deps: ExecutorDeps) => Executor;
  return factory(config, deps);
}
