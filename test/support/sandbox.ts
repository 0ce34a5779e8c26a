import { randomBytes } from 'node:crypto';
import { parseEnv } from '../../src/main/env.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { sandboxHost } from '../../src/main/sandbox-host.ts';
import { startSandbox, type RunningSandbox } from '@backstop/sandbox';
import { trackClose, trackQueuePrefix } from './leaks/track.ts';
import { REDIS_URL } from './pg-admin.ts';
import { createTestDatabase } from './test-db.ts';

export interface TestSandbox {
  sandbox: RunningSandbox;
  /** http://127.0.0.1:PORT, for the sandbox's routes and backstop's own. */
  base: string;
  close(): Promise<void>;
}

/** `backstop demo` as a test needs it: its own fresh database and queue prefix, a random loopback port. */
export async function startTestSandbox(opts: { name: string; paceMs: number; env?: Record<string, string> }): Promise<TestSandbox> {
  const db = await createTestDatabase();
  let sandbox: RunningSandbox;
  try {
    const prefix = `sb${randomBytes(4).toString('hex')}`;
    trackQueuePrefix(prefix);
    // NODE_ENV=test holds every API response to its route's declared responses (src/http/check-response.ts).
    const env = parseEnv({ DATABASE_URL: db.url, REDIS_URL, BACKSTOP_QUEUE_PREFIX: prefix, HOST: '127.0.0.1', PORT: '0', NODE_ENV: 'test', ...opts.env });
    if (!env.ok) throw new Error(JSON.stringify(env.errors));
    const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'warn', name: opts.name });
    sandbox = await startSandbox({ host: sandboxHost(env.env, logger), paceMs: opts.paceMs });
  } catch (err) {
    await db.drop();
    throw err;
  }
  return trackClose(`startTestSandbox(${opts.name}) at ${sandbox.url}`, {
    sandbox,
    base: sandbox.url.replace(/\/sandbox$/, ''),
    async close() {
      await sandbox.close();
      await db.drop();
    },
  });
}
