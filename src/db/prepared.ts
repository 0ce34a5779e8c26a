import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import type { QueryResult, QueryResultRow } from 'pg';
import type { Queryable } from './client.ts';

// The hot statements of an approval (the vote, the worker's claim) are long CTEs over the plan's facts: Postgres spent
// 5-6 ms planning each of them and well under 2 ms running it (bench/approval-to-executor.ts prints both). A named
// statement is parsed and planned once per connection, and after a few runs Postgres keeps a generic plan, so planning
// is paid once instead of on every approval.

interface Internals {
  dialect: { sqlToQuery(sql: SQL): { sql: string; params: unknown[] } };
  session: { prepareQuery(query: { sql: string; params: unknown[] }, fields: undefined, name: string, arrayMode: boolean): { execute(): Promise<unknown> } };
}

/**
 * `q.execute(query)` as a named prepared statement. The name is a digest of the statement's text, so two texts never
 * share a name (node-postgres refuses that) and one text always reuses its plan, in a transaction or on the pool.
 */
export async function executePrepared<T extends QueryResultRow>(q: Queryable, query: SQL): Promise<QueryResult<T>> {
  // drizzle's own path for a named statement (what `.prepare(name)` uses), reached through the session every
  // database and transaction object carries, with drizzle's type parsers and logger kept.
  const { dialect, session } = q as unknown as Internals;
  const built = dialect.sqlToQuery(query);
  const name = `bs_${createHash('sha256').update(built.sql).digest('base64url').slice(0, 24)}`;
  return (await session.prepareQuery(built, undefined, name, false).execute()) as QueryResult<T>;
}
