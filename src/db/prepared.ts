import { createHash } from 'node:crypto';
import { fillPlaceholders, sql, type SQL } from 'drizzle-orm';
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
  return (await session.prepareQuery(built, undefined, nameOf(built.sql), false).execute()) as QueryResult<T>;
}

const nameOf = (text: string) => `bs_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;

/** A time as a statement takes it: a value (sent as ISO text, as drizzle sends one) or a placeholder of builtOnce's. */
export const timestamptz = (t: Date | SQL): SQL => sql`${t instanceof Date ? t.toISOString() : t}::timestamptz`;

/** A statement ready to send: its text, its values in order, and the name its text gives it. */
export interface BuiltStatement {
  text: string;
  values: unknown[];
  name: string;
}

/**
 * A statement whose text is built once: `build` receives `p(name)`, a placeholder for a value given on each run, and
 * is called on the first run only. The hottest statements (the worker's claim, the vote's read) are long CTEs, and
 * building them with drizzle on every run cost 0.3-0.4 ms of the approval's critical path, for a text that never
 * changes. Values are sent as given: a time as an ISO string, like drizzle sends one.
 */
export function builtOnce<V extends Record<string, unknown>>(build: (p: (name: keyof V & string) => SQL, q: Queryable) => SQL) {
  let built: { text: string; params: unknown[]; name: string } | undefined;
  return (q: Queryable, values: V): BuiltStatement => {
    if (!built) {
      const { dialect } = q as unknown as Internals;
      const { sql: text, params } = dialect.sqlToQuery(build((n) => sql`${sql.placeholder(n)}`, q));
      built = { text, params, name: nameOf(text) };
    }
    return { text: built.text, values: fillPlaceholders(built.params, values), name: built.name };
  };
}

/** A statement builtOnce made, run as a named prepared statement through drizzle's session (its parsers kept). */
export async function executeBuilt<T extends QueryResultRow>(q: Queryable, statement: BuiltStatement): Promise<QueryResult<T>> {
  const { session } = q as unknown as Internals;
  return (await session.prepareQuery({ sql: statement.text, params: statement.values }, undefined, statement.name, false).execute()) as QueryResult<T>;
}
