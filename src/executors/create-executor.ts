import type { ExecutorConfig } from '../config/schema.ts';
import { createCommandExecutor, type CommandExecutorDeps } from './command.ts';
import { createGithubActionsExecutor } from './github-actions.ts';
import type { Executor } from './types.ts';
import { createWebhookExecutor, type WebhookExecutorDeps } from './webhook.ts';

export type ExecutorDeps = CommandExecutorDeps &
  WebhookExecutorDeps & {
    /** Wall clock for deadlines; the real one unless a test passes its own. */
    clock?: () => Date;
  };

type Factories = { [K in ExecutorConfig['kind']]: (config: Extract<ExecutorConfig, { kind: K }>, deps: ExecutorDeps) => Executor };

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const realClock = () => new Date();

// One entry per executor kind; a new kind is a schema variant plus one line here.
const FACTORIES = {
  command: createCommandExecutor,
  webhook: createWebhookExecutor,
  // The app passes only logger, secret and baseEnv; the rest default to the real thing here.
  'github-actions': (config, deps) =>
    createGithubActionsExecutor(config, {
      logger: deps.logger,
      secret: deps.secret,
      fetch: deps.fetch ?? globalThis.fetch,
      sleep: deps.sleep ?? realSleep,
      clock: deps.clock ?? realClock,
    }),
} satisfies Factories;

export function createExecutor(config: ExecutorConfig, deps: ExecutorDeps): Executor {
  const factory = FACTORIES[config.kind] as (config: ExecutorConfig, deps: ExecutorDeps) => Executor;
  return factory(config, deps);
}
