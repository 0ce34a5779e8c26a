import type { Server } from 'node:http';
import type { DiscordNotifier } from '../notify/discord/discord-notifier.ts';
import type { DiscordChannelApi } from '../discord/rest.ts';
import type { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { SigningKey } from '../audit/checkpoint.ts';
import { migrateAtStartup } from '../db/migrate.ts';
import { createMetrics } from '../metrics/registry.ts';
import { combineNotifiers, createLogNotifier, type Notifier } from '../notify/notifier.ts';
import { createRedisConnection } from '../jobs/rollback-queue.ts';
import type { Booted } from './boot.ts';
import { createAppDeps, type AppDeps } from './deps.ts';
import { followLauncher } from './follow-launcher.ts';
import { warmPool } from '../db/warm-pool.ts';

export interface RunningRoles {
  deps: AppDeps;
  server?: Server;
  /** A process without the API: its /metrics and /health, on BACKSTOP_METRICS_PORT. */
  opsServer?: Server;
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
// Each role's modules are imported only when it runs: a process without Discord never loads discord.js, and a worker
// never loads the HTTP app.
async function discordNotifierFor(booted: Booted, db: AppDeps['db']): Promise<{ notifier: DiscordNotifier; redis: Redis; api: DiscordChannelApi; channelId: string } | undefined> {
  const { env, config, logger } = booted;
  const channelId = config.raw.discord?.channel_id;
  if (!env.DISCORD_TOKEN || !channelId) return undefined;
  const [{ createDiscordNotifier }, { createChannelApi, createDiscordRest }, { createSharedLimiter, withSharedRateLimit }] = await Promise.all([
    import('../notify/discord/discord-notifier.ts'),
    import('../discord/rest.ts'),
    import('../discord/shared-rate-limit.ts'),
  ]);
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const redis = createRedisConnection(env.REDIS_URL, 'producer');
  redis.on('error', (err) => logger.debug({ err }, 'redis connection for the shared Discord rate limit: error'));
  const acquire = createSharedLimiter({ redis, prefix: env.BACKSTOP_QUEUE_PREFIX, logger, sleep });
  const api = withSharedRateLimit(createChannelApi(createDiscordRest(env.DISCORD_TOKEN, env.DISCORD_API_URL)), acquire);
  const notifier = createDiscordNotifier({
    db,
    api,
    channelId,
    guildId: config.raw.discord?.guild_id,
    oncallRoleId: config.raw.discord?.roles.oncall,
    logger: logger.child({ component: 'discord-cards' }),
    clock: () => new Date(),
    sleep,
  });
  return { notifier, redis, api, channelId };
}

// Wires one process: `start` runs every role together, `api`, `worker` and `gateway` run one each.
export async function runRoles(booted: Booted, roles: RoleSet, extra: { extraNotifier?: Notifier; extraRoutes?: (app: Hono) => void } = {}): Promise<RunningRoles> {
  const { env, config, logger } = booted;
  // /health's own Redis connection (the API's, or the ops endpoint's of a process without it), opened first: it connects
  // while the modules load and the migrations run, so the first probe does not wait for it. Its errors are what the probe
  // reports, so they are not logged again here.
  const healthRedis = createRedisConnection(env.REDIS_URL, 'producer');
  healthRedis.on('error', () => undefined);
  const roleName = roles.api && roles.worker ? 'start' : roles.api ? 'api' : roles.worker ? 'worker' : 'gateway';
  const base = createAppDeps({ env, config, logger, baseEnv: process.env, keepConnections: roles.worker ? env.BACKSTOP_WORKER_CONCURRENCY : 0, applicationName: `backstop-${roleName}` });
  const metrics = createMetrics(base.rollbackQueue.queue);
  const discordDelivery = await discordNotifierFor(booted, base.db);
  const discord = discordDelivery?.notifier;
  const notifiers = [createLogNotifier(logger), metrics.notifier, ...(discord ? [discord] : []), ...(extra.extraNotifier ? [extra.extraNotifier] : [])];
  const deps: AppDeps = { ...base, notifier: combineNotifiers(logger, ...notifiers) };

  // The role modules compile while the migrations wait on PostgreSQL: loading code, not running it, is most of a start.
  const apiModules = roles.api
    ? Promise.all([
        import('../http/auth.ts'),
        import('../http/app.ts'),
        import('../http/listen.ts'),
        import('../http/refusal-audit.ts'),
        import('../metrics/api-refusal-metrics.ts'),
        import('../audit/append-audit.ts'),
      ])
    : undefined;
  const loadWorkerModules = () =>
    Promise.all([
      import('../jobs/rollback-worker.ts'),
      import('../monitor/monitor-worker.ts'),
      import('../retention/retention-worker.ts'),
      import('../metrics/precision-metrics.ts'),
      import('../db/queries/false-alarms.ts'),
    ]);
  // With the API in the same process, the workers' code loads after the API listens: compiling it is main-thread work
  // that would hold up the port, and the API serves (and /health says so) while the workers join their queues.
  const workerModules = roles.worker && !roles.api ? loadWorkerModules() : undefined;
  // Every role brings the database up to date at startup (the advisory lock makes simultaneous starts safe), with
  // BACKSTOP_MIGRATION_URL's credentials when set; with nothing pending it only reads drizzle's journal table.
  await migrateAtStartup(deps.pool, { migrationUrl: env.BACKSTOP_MIGRATION_URL });

  const closers: Array<[name: string, close: () => Promise<void>]> = [];
  // Closers run in reverse: /health's connection closes after the servers that use it.
  closers.push(['health redis', async () => void healthRedis.disconnect()]);
  // Closed next to last: cards still owed to the channel are delivered before the pool closes.
  if (discordDelivery) {
    closers.push(['discord rate-limit redis', async () => void discordDelivery.redis.disconnect()]);
    closers.push(['discord deliveries', () => discordDelivery.notifier.drain()]);
  }
  // Its slot is taken here, before any role that writes audit rows: closers run in reverse, so the checkpoint signed at
  // shutdown comes after the API, the gateway and the workers have stopped, and covers their last rows; and before the
  // Discord deliveries drain, so its message still goes out.
  let checkpoints: { close(): Promise<void> } | undefined;
  closers.push(['audit checkpoints', async () => checkpoints?.close()]);
  let server: Server | undefined;
  const gatewayWanted = roles.gateway === true || (roles.gateway === 'if-configured' && Boolean(env.DISCORD_TOKEN));
  if (roles.gateway === true && !env.DISCORD_TOKEN) throw new Error('the gateway role needs DISCORD_TOKEN');
  if (roles.gateway === 'if-configured' && !env.DISCORD_TOKEN) logger.info('DISCORD_TOKEN is not set: running without Discord (API and CLI only)');
  if (gatewayWanted && !config.raw.discord) logger.warn('DISCORD_TOKEN is set but the policy file has no discord section: every command will be refused');
  // A process without the API still answers Prometheus and the orchestrator's probe: a worker's rollback counters exist
  // only in the worker. Bound before any work is taken, so a port already in use stops the process before a job runs.
  let opsServer: Server | undefined;
  if (!roles.api && (roles.worker || gatewayWanted)) {
    const [{ createOpsApp }, { listen }] = await Promise.all([import('../metrics/ops-server.ts'), import('../http/listen.ts')]);
    const listening = await listen(createOpsApp({ metrics: metrics.registry, logger, pool: deps.pool, redis: healthRedis }), { hostname: env.HOST, port: env.BACKSTOP_METRICS_PORT });
    opsServer = listening.server;
    logger.info({ address: opsServer.address() }, 'metrics and health listening');
    closers.push(['ops server', () => listening.close()]);
  }
  // The API binds its port before any role takes work, as the ops server does: a port already in use stops the process
  // before a job runs, and the API answers (and /health says so) while the workers are still joining their queues.
  if (roles.api) {
    const [{ createAuthenticator }, { createApp }, { listen }, { createRefusalAudit }, { createApiRefusalMetrics }, { appendAuditBatch }] = await apiModules!;
    // Built here rather than by the app, so that shutdown can write the refusal summaries still owed (closed after the
    // server: no refusal comes after it).
    const refusalAudit = createRefusalAudit({ write: (entries) => appendAuditBatch(deps.db, entries), logger, metrics: createApiRefusalMetrics(metrics.registry), clock: deps.clock });
    closers.push(['refusal audit', () => refusalAudit.flush()]);
    const app = createApp({
      ...deps,
      authenticate: createAuthenticator(config, env.tokens),
      redis: healthRedis,
      pool: deps.pool,
      metrics: metrics.registry,
      bodyLimit: config.raw.api.body_limit,
      // Every response checked against its route's declaration: it parses every body, so only under test.
      checkResponses: env.NODE_ENV === 'test',
      members: await memberLookupFor(booted),
      refusalAudit,
      ...(extra.extraRoutes ? { extraRoutes: extra.extraRoutes } : {}),
    });
    const listening = await listen(app, { hostname: env.HOST, port: env.PORT });
    server = listening.server;
    logger.info({ address: server.address() }, 'api listening');
    // BullMQ loads on first use (src/jobs/lazy-queue.ts): now that the API answers, so that the first approval does
    // not wait for it.
    void deps.rollbackQueue.queue().catch(() => undefined);
    closers.push(['http server', () => listening.close()]);
  }
  if (gatewayWanted) {
    const { startGateway } = await import('../gateway/start-gateway.ts');
    const gateway = await startGateway({ token: env.DISCORD_TOKEN!, apiUrl: env.DISCORD_API_URL, deps, logger: logger.child({ component: 'gateway' }) });
    closers.push(['gateway', () => gateway.close()]);
  }
  if (roles.worker) {
    const [{ startRollbackWorker }, { startMonitorWorker }, { startRetentionWorker }, { createPrecisionMetrics }, { findAllRuleTallies }] = await (workerModules ?? loadWorkerModules());
    // The pool keeps a connection per rollback the worker may run at once (createAppDeps' keepConnections). A worker
    // process opens them before it takes work. With the API in the same process they open as rollbacks need them:
    // sixteen connections opening at once (and PostgreSQL forking a backend for each) held up the first /health by
    // 50-90 ms.
    if (!roles.api) await warmPool(deps.pool, deps.pool.options.min ?? 0, logger);
    // The monitor demotes imprecise rules, so its role reports their precision.
    createPrecisionMetrics(metrics.registry, () => findAllRuleTallies(deps.db, config.raw.monitoring.false_alarms.over_last));
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
    if (env.BACKSTOP_AUDIT_SIGNING_KEY) checkpoints = await startCheckpoints(booted, env.BACKSTOP_AUDIT_SIGNING_KEY, deps, metrics.registry, discordDelivery);
    if (discord) {
      const sweep = setInterval(() => {
        discord.sweep().catch((err: unknown) => logger.warn({ err }, 'discord delivery sweep failed'));
      }, env.BACKSTOP_DISCORD_SWEEP_INTERVAL_MS);
      closers.push(['delivery sweep', async () => clearInterval(sweep)]);
    }
  }
  return {
    deps,
    server,
    opsServer,
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

/**
 * SIGTERM/SIGINT: stop taking work, let the running step finish or hand it back, close connections. Given the roles
 * while they are still starting (the API answers before the workers have joined their queues), a signal in that
 * moment waits for the start to finish and then closes everything it started.
 */
export function closeOnSignals(running: Pick<RunningRoles, 'close'> | Promise<Pick<RunningRoles, 'close'>>, logger: Booted['logger']): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    // A start that failed has already reported itself (and exits 1); there is nothing of it to close.
    void Promise.resolve(running)
      .then((roles) => roles.close(), () => undefined)
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Under `npm start` or npx, a SIGTERM sent to npm never arrives here; npm going away stands for it.
  followLauncher(() => stop('npm, which started backstop, has stopped'));
}

/** The checkpoint worker of a process with the worker role, publishing to every sink the environment names. */
async function startCheckpoints(booted: Booted, key: SigningKey, deps: AppDeps, registry: Registry, discord: { api: DiscordChannelApi; channelId: string } | undefined) {
  const { env, logger } = booted;
  const [sinks, { createCheckpointMetrics }, { startCheckpointWorker }] = await Promise.all([
    import('../audit/checkpoint-sinks.ts'),
    import('../metrics/checkpoint-metrics.ts'),
    import('../audit/checkpoint-worker.ts'),
  ]);
  const chosen = [
    ...(env.BACKSTOP_AUDIT_CHECKPOINT_FILE ? [sinks.fileSink(env.BACKSTOP_AUDIT_CHECKPOINT_FILE)] : []),
    ...(env.BACKSTOP_AUDIT_CHECKPOINT_URL ? [sinks.httpSink(env.BACKSTOP_AUDIT_CHECKPOINT_URL, deps.fetch)] : []),
    ...(discord ? [sinks.discordSink(discord.api, discord.channelId)] : []),
  ];
  if (chosen.length === 0) logger.warn('audit checkpoints are signed but go only to /metrics: set BACKSTOP_AUDIT_CHECKPOINT_FILE or _URL, or configure Discord, to keep them');
  logger.info({ keyId: key.keyId, sinks: chosen.map((s) => s.name), everyMs: env.BACKSTOP_AUDIT_CHECKPOINT_INTERVAL_MS }, 'audit checkpoints on');
  return startCheckpointWorker(
    { db: deps.db, key, sinks: chosen, clock: deps.clock, logger, metrics: createCheckpointMetrics(registry) },
    { redisUrl: env.REDIS_URL, prefix: env.BACKSTOP_QUEUE_PREFIX, everyMs: env.BACKSTOP_AUDIT_CHECKPOINT_INTERVAL_MS },
  );
}

/**
 * The API asks Discord which roles a member holds when the gateway's token names one (src/http/auth.ts actingAs), so
 * that token is never believed about anyone's roles. Without a bot token and a guild there is no one to ask.
 */
async function memberLookupFor(booted: Booted) {
  const { env, config } = booted;
  const guildId = config.raw.discord?.guild_id;
  if (!env.DISCORD_TOKEN || !guildId) return undefined;
  const [{ createMemberLookup }, { createDiscordRest }] = await Promise.all([import('../discord/member-roles.ts'), import('../discord/rest.ts')]);
  return createMemberLookup({ rest: createDiscordRest(env.DISCORD_TOKEN, env.DISCORD_API_URL), guildId, clock: Date.now });
}
