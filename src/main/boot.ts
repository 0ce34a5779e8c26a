import { loadConfig, readConfigFile, type Config } from '../config/load.ts';
import { parseEnv, type Env } from './env.ts';
import { createLogger, type Logger } from '../logging/logger.ts';

export interface BootedEnv {
  env: Env;
  logger: Logger;
}

export interface Booted extends BootedEnv {
  config: Config;
}

/**
 * Reads the environment alone, for commands that never look at the policy file (migrate, audit, the rollback reads):
 * they must work on a host that has database credentials and no policy file. On a problem prints every error and exits 2.
 */
export function bootEnv(name: string, options: BootOptions = {}): BootedEnv {
  const envResult = parseEnv(process.env);
  if (!envResult.ok) {
    for (const e of envResult.errors) console.error(`environment ${e.path}: ${e.message}`);
    process.exit(2);
  }
  const env = envResult.env;
  const pretty = env.LOG_PRETTY === 'true' || env.LOG_PRETTY === '1';
  // A one-shot command's answer is what it prints: its logs go to stderr, so stdout stays the answer (`--json` piped into
  // jq), and only errors unless LOG_LEVEL asks for more.
  const logger = options.oneShot
    ? createLogger({ level: process.env.LOG_LEVEL ? env.LOG_LEVEL : 'error', pretty, name: `backstop-${name}`, destination: process.stderr })
    : createLogger({ level: env.LOG_LEVEL, pretty, name: `backstop-${name}` });
  return { env, logger };
}

export interface BootOptions {
  /** A CLI command that prints an answer and ends, rather than a long-running role. */
  oneShot?: boolean;
}

/** Reads the environment and the policy file; on any problem prints every error with its path and exits 2. */
export async function boot(name: string, options: BootOptions = {}): Promise<Booted> {
  const { env, logger } = bootEnv(name, options);
  const file = env.BACKSTOP_CONFIG;
  const configResult = await loadConfig(file);
  if (!configResult.ok) {
    // The same errors `config check` gives, with line and column, loaded only when there are some to place.
    const read = await readConfigFile(file);
    const placed = read.ok ? (await import('../config/check-config.ts')).checkConfigText(read.text) : null;
    console.error(`${file} is invalid:`);
    if (placed && !placed.ok) for (const e of placed.errors) console.error(`  ${file}:${e.line}:${e.column}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
    else for (const e of configResult.errors) console.error(`  ${e.path}: ${e.message}`);
    console.error(`  (\`backstop config check ${file}\` checks it without starting anything)`);
    process.exit(2);
  }
  return { env, config: configResult.config, logger };
}
