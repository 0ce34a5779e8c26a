import { parseEnv } from './env.ts';
import { createLogger, maskUrlCredentials } from '../logging/logger.ts';
import { closeOnSignals } from './roles.ts';
import { sandboxHost } from './sandbox-host.ts';

/**
 * The sandbox is a package of the repository, not of the product: a checkout has it, the image does not. It stays
 * TypeScript, run through tsx (a development dependency, as the sandbox is a development tool), which the compiled
 * product registers only here.
 */
async function loadSandbox(): Promise<typeof import('@backstop/sandbox')> {
  try {
    (await import('tsx/esm/api')).register();
    return await import('@backstop/sandbox');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /@backstop\/sandbox|'tsx'/.test(String((err as Error).message));
    if (!missing) throw err;
    throw new Error('the sandbox is not part of this installation (the product image leaves it out): run `npm ci && npx backstop demo` in a checkout of backstop');
  }
}

/**
 * `backstop demo`: the sandbox. It needs only PostgreSQL and Redis (the policy file and Discord are built in), uses
 * its own database and queue prefix on them, and listens on localhost unless HOST says otherwise: anyone who can
 * reach the page can act as any of its pretend people.
 */
export async function runDemo(source: Record<string, string | undefined>): Promise<void> {
  const parsed = parseEnv(source);
  if (!parsed.ok) {
    for (const e of parsed.errors) console.error(`environment ${e.path}: ${e.message}`);
    process.exit(2);
  }
  const base = parsed.env;
  const logger = createLogger({
    level: source.LOG_LEVEL ? base.LOG_LEVEL : 'warn',
    pretty: source.LOG_PRETTY ? base.LOG_PRETTY === 'true' || base.LOG_PRETTY === '1' : Boolean(process.stdout.isTTY),
    name: 'backstop-demo',
  });
  const { resetSandboxDatabase, resetSandboxQueues, startSandbox, SANDBOX_QUEUE_PREFIX } = await loadSandbox();
  // The two services the sandbox cannot bring itself: say which one is missing and where it was looked for.
  const databaseUrl = await resetSandboxDatabase(base.DATABASE_URL).catch((err: Error) => {
    throw new Error(`backstop demo needs PostgreSQL (DATABASE_URL ${maskUrlCredentials(base.DATABASE_URL)}): ${err.message}`);
  });
  await resetSandboxQueues(base.REDIS_URL).catch((err: Error) => {
    throw new Error(`backstop demo needs Redis (REDIS_URL ${maskUrlCredentials(base.REDIS_URL)}): ${err.message}`);
  });
  const env = { ...base, DATABASE_URL: databaseUrl, BACKSTOP_QUEUE_PREFIX: SANDBOX_QUEUE_PREFIX, HOST: source.HOST ? base.HOST : '127.0.0.1' };
  const sandbox = await startSandbox({ host: sandboxHost(env, logger) });
  console.log(`backstop sandbox is running: open ${sandbox.url}  (Ctrl-C stops it)`);
  closeOnSignals(sandbox, logger);
}
