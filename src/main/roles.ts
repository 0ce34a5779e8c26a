import { serve, type ServerType } from '@hono/node-server';
import { runMigrations } from '../db/migrate.ts';
import { createAuthenticator } from '../http/auth.ts';
import { createApp } from '../http/app.ts';
import { createMetrics } from '../metrics/registry.ts';
import { combineNotifiers, createLogNotifier, type Notifier } from '../notify/notifier.ts';
import { startRollbackWorker } from '../worker/create-worker.ts';
import { createRedisConnection } from '../jobs/rollback-queue.ts';
import type { Booted } from './boot.ts';
import { createAppDeps, type AppDeps } from './deps.ts';

export interface RunningRoles {
  deps: AppDeps;
  server?: ServerType;
  close(): Promise<void>;
}

// Wires one process: `start` runs the api and worker roles together, `api` and `worker` run one each.
export async function runRoles(booted: Booted, roles: { api: boolean; worker: boolean }, extra: { extraNotifier?: Notifier } = {}): Promise<RunningRoles> {
  const { env, config, logger } = booted;
  const base = createAppDeps({ env, config, logger, baseEnv: process.env });
  const metrics = createMetrics(base.rollbackQueue.queue);
  const notifiers = [createLogNotifier(logger), metrics.notifier, ...(extra.extraNotifier ? [extra.extraNotifier] : [])];
  const deps: AppDeps = { ...base, notifier: combineNotifiers(logger, ...notifiers) };

  // Every role migrates at startup; the advisory lock makes simultaneous starts safe.
  await runMigrations(deps.pool);

  const closers: Array<() => Promise<void>> = [];
  let server: ServerType | undefined;
  if (roles.worker) {
    const worker = startRollbackWorker(
      deps,
      deps.rollbackQueue,
      {
        redisUrl: env.REDIS_URL,
        prefix: env.BACKSTOP_QUEUE_PREFIX,
        concurrency: env.BACKSTOP_WORKER_CONCURRENCY,
        lockDurationMs: env.BACKSTOP_LOCK_DURATION_MS,
        stalledIntervalMs: env.BACKSTOP_STALLED_INTERVAL_MS,
        reconcileIntervalMs: env.BACKSTOP_RECONCILE_INTERVAL_MS,
      },
      deps.abort,
    );
    closers.push(() => worker.close());
    logger.info({ workerId: worker.workerId }, 'rollback worker started');
  }
  if (roles.api) {
    const healthRedis = createRedisConnection(env.REDIS_URL, 'producer');
    healthRedis.on('error', () => undefined);
    closers.push(async () => void healthRedis.disconnect());
    const app = createApp({
      ...deps,
      authenticate: createAuthenticator(config, env.tokens),
      queue: deps.rollbackQueue.queue,
      redis: healthRedis,
      pool: deps.pool,
      metrics: metrics.registry,
      bodyLimit: config.raw.api.body_limit,
    });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: env.HOST, port: env.PORT }, () => resolve(s));
    });
    const address = server.address();
    logger.info({ address }, 'api listening');
    closers.push(() => new Promise<void>((resolve) => server!.close(() => resolve())));
  }
  return {
    deps,
    server,
    async close() {
      for (const close of closers.reverse()) await close().catch((err: unknown) => logger.warn({ err }, 'error while closing'));
      await deps.close();
    },
  };
}

/** SIGTERM/SIGINT: stop taking work, let the running step finish or hand it back, close connections. */
export function closeOnSignals(running: RunningRoles, logger: Booted['logger']): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    void running.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
