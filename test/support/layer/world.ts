import { parseConfig, type Config } from '../../../src/config/load.ts';
import type { Actor } from '../../../src/core/deps.ts';
import { createDatabase, type Database, type Db } from '../../../src/db/client.ts';
import { createBaselineReader } from '../../../src/health/baseline/read-baseline.ts';
import type { Executor } from '../../../src/executors/types.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { Notice, Notifier } from '../../../src/notify/notifier.ts';
import { createExecutionLocks } from '../../../src/pipeline/execution-lock.ts';
import type { PipelineDeps } from '../../../src/pipeline/context.ts';
import { trackClose } from '../leaks/track.ts';
import { countStatements, type StatementCounter } from '../statement-counter.ts';
import { createTestDatabase, type TestDatabase } from '../test-db.ts';

// One layer test's world: a fresh migrated database, a fake clock, and the deps a stage or an admission function
// takes, with every outside seam (queue, notifier, executor, sources, network, sleep) a recording fake. No process,
// server, Redis or Discord is started.

/** A clock that moves only when the test moves it. */
export class FakeClock {
  private ms: number;
  constructor(start: Date) {
    this.ms = start.getTime();
  }
  /** The injected `clock` dep. */
  readonly now = (): Date => new Date(this.ms);
  set(to: Date): void {
    this.ms = to.getTime();
  }
  advance(ms: number): Date {
    this.ms += ms;
    return this.now();
  }
}

export class RecordingNotifier implements Notifier {
  readonly notices: Notice[] = [];
  async notify(notice: Notice): Promise<void> {
    this.notices.push(notice);
  }
  kinds(eventId: string): string[] {
    return this.notices.filter((n) => n.eventId === eventId && n.kind !== 'progress').map((n) => n.kind);
  }
}

/**
 * Staging needs 1 approval, production 2, and a request expires after 10 minutes. Every service runs in both
 * environments, so each test can take a service of its own (one active rollback per service and environment). The
 * executor is never spawned: `executorFor` is a fake. Verification watches 30 s, assessing every 10 s, on the seed's rules.
 */
export function layerPolicy(services: string[] = ['payments']): string {
  return `
api:
  tokens:
    ci: { roles: [deployer] }
defaults:
  approvals: { required: 1, requester_counts: true, expires_after: 10m }
  verification: { window: 30s, interval: 10s, on_no_data: fail }
environments:
  production: { approvals: { required: 2 } }
  staging: {}
services:
${services.map((s) => `  ${s}:\n    environments: [production, staging]\n    executor: { kind: command, argv: ["true"], timeout: 20s }`).join('\n')}
`;
}

export interface LayerWorld {
  tdb: TestDatabase;
  database: Database;
  db: Db;
  config: Config;
  clock: FakeClock;
  notifier: RecordingNotifier;
  /** Event ids handed to `enqueue`, in order. */
  enqueued: string[];
  /** Each `sleep` the code under test asked for; a sleep moves the fake clock instead of waiting. */
  slept: number[];
  /** Every SQL statement the deps' pool sent. */
  statements: StatementCounter;
  deps: PipelineDeps;
  /** The executor `executorFor` hands out from now on. */
  useExecutor(executor: Executor): void;
  close(): Promise<void>;
}

const logger = createLogger({ level: 'silent', name: 'layer-test' });

export async function createLayerWorld(opts: { start: Date; services?: string[]; policy?: string }): Promise<LayerWorld> {
  const parsed = parseConfig(opts.policy ?? layerPolicy(opts.services));
  if (!parsed.ok) throw new Error(`layer policy does not parse: ${JSON.stringify(parsed.errors)}`);
  const tdb = await createTestDatabase();
  const database = createDatabase(tdb.url, logger, { max: 4 });
  const statements = countStatements(database.pool);
  const clock = new FakeClock(opts.start);
  const notifier = new RecordingNotifier();
  const enqueued: string[] = [];
  const slept: number[] = [];
  let executor: Executor | undefined;
  const locks = createExecutionLocks(database.pool, logger);
  const deps: PipelineDeps = {
    db: database.db,
    pool: database.pool,
    config: parsed.config,
    logger,
    notifier,
    clock: clock.now,
    async enqueue(eventId) {
      enqueued.push(eventId);
      return true;
    },
    // No source is configured in the layer policy; a call here would mean a stage reads one anyway.
    readSources: async () => {
      throw new Error('readSources was called, but no source is configured');
    },
    // The real reader over the layer's refusing fetch: the layer policy names no baseline rule, so it reads nothing.
    readBaselines: createBaselineReader({
      fetch: async () => {
        throw new Error('layer tests make no network calls');
      },
    }),
    secret: () => undefined,
    executorFor: () => {
      if (!executor) throw new Error('this layer test gave no executor');
      return executor;
    },
    fetch: async () => {
      throw new Error('layer tests make no network calls');
    },
    async sleep(ms) {
      slept.push(ms);
      clock.advance(ms);
    },
    signal: new AbortController().signal,
    locks,
  };
  return trackClose(`createLayerWorld() (database ${tdb.name})`, {
    tdb,
    database,
    db: database.db,
    config: parsed.config,
    clock,
    notifier,
    enqueued,
    slept,
    statements,
    deps,
    useExecutor(e: Executor) {
      executor = e;
    },
    async close() {
      try {
        await locks.close();
        await database.close();
      } finally {
        await tdb.drop();
      }
    },
  });
}

export const person = (name: string, ...roles: Array<'deployer' | 'approver' | 'override' | 'admin'>): Actor => ({
  id: `discord:${name}`,
  name,
  roles: new Set(roles),
  source: 'discord',
});
