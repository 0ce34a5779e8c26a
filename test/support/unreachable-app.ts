import { parseConfig } from '../../src/config/load.ts';
import { createApp } from '../../src/http/app.ts';
import { createAuthenticator } from '../../src/http/auth.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createAppDeps, type AppDeps } from '../../src/main/deps.ts';
import { parseEnv } from '../../src/main/env.ts';
import { createMetrics } from '../../src/metrics/registry.ts';
import { testPolicy } from './harness.ts';
import { freePort } from './processes.ts';

/**
 * The API with PostgreSQL and Redis unreachable: both point at a port where nothing listens (Postgres cannot be
 * stopped under the other test files). No socket: the app answers each Request itself (app.request). Close `deps`.
 */
export async function createUnreachableApp(opts: { env: Record<string, string>; databasePassword?: string; checkResponses?: boolean; policy?: string }): Promise<{ app: ReturnType<typeof createApp>; deps: AppDeps }> {
  const dead = await freePort();
  const env = parseEnv({ DATABASE_URL: `postgres://postgres${opts.databasePassword ? `:${opts.databasePassword}` : ''}@127.0.0.1:${dead}/none`, REDIS_URL: `redis://127.0.0.1:${dead}`, ...opts.env });
  const config = parseConfig(opts.policy ?? testPolicy({ executorArgv: ['true'] }));
  if (!env.ok || !config.ok) throw new Error('setup');
  const deps = createAppDeps({ env: env.env, config: config.config, logger: createLogger({ level: 'silent' }), baseEnv: {} });
  const app = createApp({
    ...deps,
    authenticate: createAuthenticator(config.config, env.env.tokens),
    redis: { ping: () => Promise.reject(new Error('connect ECONNREFUSED')) },
    metrics: createMetrics(null).registry,
    bodyLimit: 16_384,
    ...(opts.checkResponses ? { checkResponses: true } : {}),
  });
  return { app, deps };
}
