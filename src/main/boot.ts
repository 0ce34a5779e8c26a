import { loadConfig, type Config } from '../config/load.ts';
import { parseEnv, type Env } from './env.ts';
import { createLogger, type Logger } from '../logging/logger.ts';

export interface Booted {
  env: Env;
  config: Config;
  logger: Logger;
}

/** Reads the environment and the policy file; on any problem prints every error with its path and exits 2. */
export async function boot(name: string): Promise<Booted> {
  const envResult = parseEnv(process.env);
  if (!envResult.ok) {
    for (const e of envResult.errors) console.error(`environment ${e.path}: ${e.message}`);
    process.exit(2);
  }
  const env = envResult.env;
  const logger = createLogger({ level: env.LOG_LEVEL, pretty: env.LOG_PRETTY === 'true' || env.LOG_PRETTY === '1', name: `backstop-${name}` });
  const configResult = await loadConfig(env.BACKSTOP_CONFIG);
  if (!configResult.ok) {
    console.error(`${env.BACKSTOP_CONFIG} is invalid:`);
    for (const e of configResult.errors) console.error(`  ${e.path}: ${e.message}`);
    process.exit(2);
  }
  return { env, config: configResult.config, logger };
}
