import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { SentStatement } from '../test/support/statement-counter.ts';
import { ADMIN, databaseUrl } from './database-url.ts';
import { ensureYearTemplate, yearScale } from './dataset.ts';

// What every benchmark shares: where the services are, scratch databases (empty or a generated year), percentiles,
// and query plans.

export const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
export const round = (x: number) => Math.round(x * 100) / 100;

/** Both datasets every bench runs on: a fresh migrated-nothing database, and a copy of the generated year. */
export type Dataset = 'empty' | 'year';
export const DATASETS: Dataset[] = process.env.BENCH_DATASETS ? (process.env.BENCH_DATASETS.split(',') as Dataset[]) : ['empty', 'year'];

// Scratch databases still to drop. A bench stopped by Ctrl-C or a kill drops them on the way out too.
const scratch = new Set<string>();
async function dropScratch(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    scratch.delete(name);
  } finally {
    await admin.end();
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.allSettled([...scratch].map(dropScratch)).finally(() => process.exit(130));
  });
}

/**
 * Runs `fn` with the URL of a scratch database, dropped afterwards whatever happens: empty (the bench migrates it),
 * or a copy of the generated year (already migrated; built once per scale and schema, then cloned in seconds).
 */
export async function withBenchDatabase<T>(fn: (url: string) => Promise<T>, dataset: Dataset = 'empty'): Promise<T> {
  const name = `backstop_bench_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  try {
    if (dataset === 'year') {
      const template = await ensureYearTemplate(admin, yearScale());
      await admin.query(`create database ${name} template ${template}`);
    } else {
      await admin.query(`create database ${name}`);
    }
  } finally {
    await admin.end();
  }
  scratch.add(name);
  try {
    return await fn(databaseUrl(name));
  } finally {
    await dropScratch(name);
  }
}

/**
 * The entry point of a bench file: runs it, prints a failure without a stack trace of the harness, and exits (open
 * sockets of a failed run must not keep the process alive). Scratch databases are dropped before the exit.
 */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    async (err: unknown) => {
      console.error(err);
      await Promise.allSettled([...scratch].map(dropScratch));
      process.exit(1);
    },
  );
}

export interface PlanCheck {
  label: string;
  ms: number;
  /** Time Postgres spent planning it (paid on every execution of a statement that is not prepared). */
  planningMs: number;
  /** Time Postgres spent compiling it (JIT), paid on every execution whose plan costs more than jit_above_cost. */
  jitMs: number;
  sharedHit: number;
  sharedRead: number;
  /** Growing tables read by a sequential scan of more than a few pages' rows (a partition counts as its table). */
  seqScans: string[];
}

// The tables that grow with use: a sequential scan of any of them is a query that slows down every day.
const GROWING = ['health_samples', 'rollback_events', 'audit_log', 'health_decisions', 'deployments', 'system_snapshots', 'approvals', 'migration_history'];

/** EXPLAIN (ANALYZE, BUFFERS) of one query: its time, its buffers and every sequential scan of a growing table. */
export async function explain(client: pg.Pool | pg.Client, label: string, text: string, params: unknown[] = []): Promise<PlanCheck> {
  const res = await client.query(`explain (analyze, buffers, format json) ${text}`, params);
  const [root] = res.rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number; JIT?: { Timing?: { Total?: number } } }>;
  const seqScans: string[] = [];
  const walk = (n: PlanNode) => {
    // A scan of an empty or tiny partition (a day just begun, the default) is how Postgres reads a few rows; a scan
    // that looks at more rows than that is one that grows with the table.
    const examined = ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 1);
    if (n['Node Type'] === 'Seq Scan' && n['Relation Name'] && examined > SMALL_SCAN_ROWS) {
      const table = GROWING.find((t) => n['Relation Name'] === t || n['Relation Name']!.startsWith(`${t}_`));
      if (table && !seqScans.includes(table)) seqScans.push(table);
    }
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(root!.Plan);
  return { label, ms: round(root!['Execution Time']), planningMs: round(root!['Planning Time']), jitMs: round(root!.JIT?.Timing?.Total ?? 0), sharedHit: root!.Plan['Shared Hit Blocks'] ?? 0, sharedRead: root!.Plan['Shared Read Blocks'] ?? 0, seqScans };
}

const SMALL_SCAN_ROWS = 1_000;

interface PlanNode {
  'Node Type': string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Relation Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** Prints plan checks as a table and returns whether none of them scans a growing table. */
export function reportPlans(plans: PlanCheck[]): boolean {
  console.table(Object.fromEntries(plans.map((p) => [p.label, { ms: p.ms, planning_ms: p.planningMs, jit_ms: p.jitMs, shared_hit: p.sharedHit, shared_read: p.sharedRead, seq_scans: p.seqScans.join(' ') || 'none' }])));
  return plans.every((p) => p.seqScans.length === 0);
}

// Statements that are not queries of a table: transaction control, locks, settings.
const NOT_A_QUERY = /^(begin|commit|rollback|set |show |select 1$|select pg_(try_)?advisory|select pg_advisory)/i;

/**
 * EXPLAIN (ANALYZE, BUFFERS) of each distinct statement a run sent, with the parameters it was sent with. Each is
 * explained inside a transaction that is rolled back, so explaining a write changes nothing. Slowest first.
 */
export async function explainSent(url: string, sent: SentStatement[]): Promise<PlanCheck[]> {
  const distinct = new Map<string, SentStatement>();
  for (const s of sent) if (!NOT_A_QUERY.test(s.text) && !distinct.has(s.text)) distinct.set(s.text, s);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const plans: PlanCheck[] = [];
  try {
    for (const [text, s] of distinct) {
      await client.query('begin');
      try {
        plans.push(await explain(client, text.replace(/\s+/g, ' ').slice(0, 90), text, s.values));
      } catch (err) {
        plans.push({ label: `${text.replace(/\s+/g, ' ').slice(0, 60)} (not explained: ${(err as Error).message.slice(0, 50)})`, ms: 0, planningMs: 0, jitMs: 0, sharedHit: 0, sharedRead: 0, seqScans: [] });
      } finally {
        await client.query('rollback');
      }
    }
  } finally {
    await client.end();
  }
  return plans.sort((a, b) => b.ms - a.ms);
}
