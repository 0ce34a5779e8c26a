import type { Server } from 'node:http';
import type { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { runMigrations } from '../db/migrate.ts';
import { createAuthenticator } from '../http/auth.ts';
import { createApp } from '../http/app.ts';
import { listen } from '../http/listen.ts';
import { createMetrics } from '../metrics/registry.ts';
import { combineNotifiers, createLogNotifier, type Notifier } from '../notify/notifier.ts';
import { startRollbackWorker } from '../jobs/rollback-worker.ts';
import { createRedisConnection } from '../jobs/rollback-queue.ts';
import type { Booted } from './boot.ts';
import { createAppDeps, type AppDeps } from './deps.ts';
import { createDiscordNotifier, type DiscordNotifier } from '../notify/discord/discord-notifier.ts';
import { createChannelApi, createDiscordRest } from '../discord/rest.ts';
import { createSharedLimiter, withSharedRateLimit } from '../discord/shared-rate-limit.ts';
import { startGateway } from '../gateway/start-gateway.ts';
import { startMonitorWorker } from '../monitor/monitor-worker.ts';
import { startRetentionWorker } from '../retention/retention-worker.ts';

export interface RunningRoles {
  deps: AppDeps;
  server?: Server;
  close(): Promise<void>;
}

export interface RoleSet {
  api: boolean;
  worker: boolean;
  /** 'if-configured': run it when DISCORD_TOKEN is set (what `start` does); true: required. */
  gateway: boolean | 'if-configured';
}

// Every role posts to Discord over REST when a bot token and a channel are configured; only the gateway role
// holds the gateway connection. The processes share the channel's rate limit through Redis.
function discordNotifierFor(booted: Booted, db: AppDeps['db']): { notifier: DiscordNotifier; redis: Redis } | undefined {
  const { env, config, logger } = booted;
  const channelId = config.raw.discord?.channel_id;
  if (!env.DISCORD_TOKEN || !channelId) return undefined;
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const redis = createRedisConnection(env.REDIS_URL, 'producer');
  redis.on('error', (err) => logger.debug({ err }, 'redis connection for the shared Discord rate limit: error'));
  const acquire = createSharedLimiter({ redis, prefix: env.BACKSTOP_QUEUE_PREFIX, logger, sleep });
  const notifier = createDiscordNotifier({
    db,
    api: withSharedRateLimit(createChannelApi(createDiscordRest(env.DISCORD_TOKEN, env.DISCORD_API_URL)), acquire),
    channelId,
    guildId: config.raw.discord?.guild_id,
    oncallRoleId: config.raw.discord?.roles.oncall,
    logger: logger.child({ component: 'discord-cards' }),
    clock: () => new Date(),
    sleep,
  });
  return { notifier, redis };
}

// Wires one process: `start` runs every role together, `api`, `worker` and `gateway` run one each.
export async function runRoles(booted: Booted, roles: RoleSet, extra: { extraNotifier?: Notifier; extraRoutes?: (app: Hono) => void } = {}): Promise<RunningRoles> {
  const { env, config, logger } = booted;
  const base = createAppDeps({ env, config, logger, baseEnv: process.env });
  const metrics = createMetrics(base.rollbackQueue.queue);
  const discordDelivery = discordNotifierFor(booted, base.db);
  const discord = discordDelivery?.notifier;
  const notifiers = [createLogNotifier(logger), metrics.notifier, ...(discord ? [discord] : []), ...(extra.extraNotifier ? [extra.extraNotifier] : [])];
  const deps: AppDeps = { ...base, notifier: combineNotifiers(logger, ...notifiers) };

  // Every role migrates at startup; the advisory lock makes simultaneous starts safe.
  await runMigrations(deps.pool);

  const closers: Array<[name: string, close: () => Promise<void>]> = [];
  // Closed last (closers run in reverse): cards still owed to the channel are delivered before the pool closes.
  if (discordDelivery) {
    closers.push(['discord rate-limit redis', async () => void discordDelivery.redis.disconnect()]);
    closers.push(['discord deliveries', () => discordDelivery.notifier.drain()]);
  }
  let server: Server | undefined;
  const gatewayWanted = roles.gateway === true || (roles.gateway === 'if-configured' && Boolean(env.DISCORD_TOKEN));
  if (roles.gateway === true && !env.DISCORD_TOKEN) throw new Error('the gateway role needs DISCORD_TOKEN');
  if (roles.gateway === 'if-configured' && !env.DISCORD_TOKEN) logger.info('DISCORD_TOKEN is not set: running without Discord (API and CLI only)');
  if (gatewayWanted && !config.raw.discord) logger.warn('DISCORD_TOKEN is set but the policy file has no discord section: every command will be refused');
  if (gatewayWanted) {
    const gateway = await startGateway({ token: env.DISCORD_TOKEN!, apiUrl: env.DISCORD_API_URL, deps, logger: logger.child({ component: 'gateway' }) });
    closers.push(['gateway', () => gateway.close()]);
  }
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
    closers.push(['rollback worker', () => worker.close()]);
    logger.info({ workerId: worker.workerId }, 'rollback worker started');
    const monitor = await startMonitorWorker(deps, deps.monitorQueue, { redisUrl: env.REDIS_URL, prefix: env.BACKSTOP_QUEUE_PREFIX });
    closers.push(['monitor', () => monitor.close()]);
    const retention = await startRetentionWorker(deps, { redisUrl: env.REDIS_URL, prefix: env.BACKSTOP_QUEUE_PREFIX });
    closers.push(['retention', () => retention.close()]);
    if (discord) {
      const sweep = setInterval(() => {
        discord.sweep().catch((err: unknown) => logger.warn({ err }, 'discord delivery sweep failed'));
      }, env.BACKSTOP_DISCORD_SWEEP_INTERVAL_MS);
      closers.push(['delivery sweep', async () => clearInterval(sweep)]);
    }
  }
  if (roles.api) {
    const healthRedis = createRedisConnection(env.REDIS_URL, 'producer');
    healthRedis.on('error', () => undefined);
    closers.push(['health redis', async () => void healthRedis.disconnect()]);
    const app = createApp({
      ...deps,
      authenticate: createAuthenticator(config, env.tokens),
      queue: deps.rollbackQueue.queue,
      redis: healthRedis,
      pool: deps.pool,
      metrics: metrics.registry,
      bodyLimit: config.raw.api.body_limit,
      ...(extra.extraRoutes ? { extraRoutes: extra.extraRoutes } : {}),
    });
    const listening = await listen(app, { hostname: env.HOST, port: env.PORT });
    server = listening.server;
    logger.info({ address: server.address() }, 'api listening');
    closers.push(['http server', () => listening.close()]);
  }
  return {
    deps,
    server,
    async close() {
      for (const [name, close] of closers.reverse()) {
        const started = Date.now();
        await close().catch((err: unknown) => logger.warn({ err, name }, 'error while closing'));
        logger.debug({ name, ms: Date.now() - started }, 'closed');
      }
      await deps.close();
    },
  };
}

/** SIGTERM/SIGINT: stop taking work, let the running step finish or hand it back, close connections. */
export function closeOnSignals(running: Pick<RunningRoles, 'close'>, logger: Booted['logger']): void {
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
