import { sql, type SQL } from 'drizzle-orm';
import { PUSHED_METRICS, type PushedMetric } from '../config/monitoring-schema.ts';
import type { Queryable } from '../db/client.ts';
import { firingAlertOf, firingAlertsJson, type FiringAlert, type FiringAlertRow } from '../db/queries/health-decisions.ts';

/** Per deployment: the newest value of each pushed metric, and the mean and count over each window rules ask for. */
export interface PushedSummary {
  latest: Partial<Record<PushedMetric, { value: number; at: Date }>>;
  windows: Map<string, { mean: number | null; count: number; at: Date | null }>;
}

export const windowKey = (metric: string, windowMs: number) => `${metric}@${windowMs}`;

/** Each (metric, window) pair once. */
export const dedupeWindows = (ws: Array<{ metric: string; windowMs: number }>) => [...new Map(ws.map((w) => [windowKey(w.metric, w.windowMs), w])).values()];

/** One bound parameter holding a Postgres array literal (drizzle would spread a JS array into a row). */
export const uuidArray = (ids: string[]) => `{${ids.join(',')}}`;

const isPushed = (m: string): m is PushedMetric => (PUSHED_METRICS as readonly string[]).includes(m);

export interface PushedInput {
  windows: Array<{ metric: string; windowMs: number }>;
  now: Date;
  staleAfterMs: number;
  /** monitoring.max_clock_skew: no stored sample is observed later than this after now (recordHealthSample refuses it). */
  clockSkewMs: number;
  notBefore?: Date;
  /**
   * For a statement built once (a worker's claim): each time as a placeholder named after it, its value given on each
   * run by the aggregate's `times(now)`. Without it, the times are values.
   */
  timeParam?: (name: string) => SQL;
}

/**
 * The aggregate of one deployment's samples (whose id `deploymentId` gives: a value, or an expression over the
 * enclosing statement) over the longest window, with one column per (metric, window) pair the rules use, and how to
 * read its row. Column expressions come from the fixed metric list and validated integers only, never from input.
 */
function pushedAggregate(input: PushedInput) {
  const windows = input.windows.filter((w) => isPushed(w.metric) && Number.isInteger(w.windowMs) && w.windowMs > 0);
  const lookback = Math.max(input.staleAfterMs, ...windows.map((w) => w.windowMs));

  // Times are bound parameters, so that the statement's text depends on the rules alone: a worker's claim, which
  // carries this read, is a named statement, and one name must always mean one text.
  const times = (now: Date): Record<string, string> => {
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const out: Record<string, string> = { stale: at(-input.staleAfterMs), lookback: at(-lookback), ahead: at(input.clockSkewMs), notBefore: (input.notBefore ?? new Date(0)).toISOString() };
    windows.forEach((w, i) => (out[`w${i}`] = at(-w.windowMs)));
    return out;
  };
  const values = times(input.now);
  const time = (name: string): SQL => sql`${input.timeParam ? input.timeParam(name) : values[name]}::timestamptz`;
  // Times come back as whole epoch milliseconds (what a Date holds): a timestamp's text costs a parse, and a tick reads
  // up to a dozen of them per deployment. extract() is exact (numeric); a double could land a hair under the
  // millisecond and truncate to the one before.
  const epochMs = (e: SQL) => sql`floor(extract(epoch from ${e}) * 1000)::int8`;
  const columns: SQL[] = [];
  for (const m of PUSHED_METRICS) {
    // The newest value: the greatest [time, value] pair. Arrays compare element by element, so the time decides (a
    // double holds these epochs to a quarter of a microsecond), and no per-aggregate sort is paid, as `array_agg(…
    // order by observed_at desc)` paid for every metric of every deployment: 6.9 → 2.7 ms per page of 2,000.
    columns.push(sql.raw(`(max(array[date_part('epoch', observed_at), ${m}::float8]) filter (where ${m} is not null))[2] as "${m}"`));
    columns.push(sql`${epochMs(sql`max(observed_at) filter (where ${sql.raw(m)} is not null and observed_at > ${time('stale')})`)} as ${sql.raw(`"${m}@at"`)}`);
  }
  windows.forEach((w, i) => {
    columns.push(sql`avg(${sql.raw(w.metric)}) filter (where observed_at > ${time(`w${i}`)}) as ${sql.raw(`"w${i}_mean"`)}`);
    columns.push(sql`count(${sql.raw(w.metric)}) filter (where observed_at > ${time(`w${i}`)}) as ${sql.raw(`"w${i}_n"`)}`);
    columns.push(sql`${epochMs(sql`max(observed_at) filter (where ${sql.raw(w.metric)} is not null and observed_at > ${time(`w${i}`)})`)} as ${sql.raw(`"w${i}_at"`)}`);
  });
  // Column names built once: a tick parses a row per deployment.
  const latestColumns = PUSHED_METRICS.map((m) => ({ m, at: `${m}@at` }));
  const windowColumns = windows.map((w, i) => ({ key: windowKey(w.metric, w.windowMs), mean: `w${i}_mean`, n: `w${i}_n`, at: `w${i}_at` }));
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)));
  return {
    /** One row, with n = 0 when the deployment has no samples in the lookback. */
    query: (deploymentId: SQL | string) => sql`
      select count(*) as n, ${sql.join(columns, sql`, `)}
      from ops.health_samples h
      where h.deployment_id = ${deploymentId} and h.observed_at > ${time('lookback')}
        and h.observed_at <= ${time('ahead')}
        and h.observed_at >= ${time('notBefore')}`,
    /** The value of each time the query names, for `now` (for a statement built once with `timeParam`). */
    times,
    /** The row as the driver or row_to_json gives it: numbers may come as numbers or as text. */
    parse(row: Record<string, unknown>): PushedSummary {
      const summary: PushedSummary = { latest: {}, windows: new Map() };
      for (const { m, at: atColumn } of latestColumns) {
        const at = date(row[atColumn]);
        if (at && row[m] !== null) summary.latest[m] = { value: Number(row[m]), at };
      }
      for (const c of windowColumns) {
        const mean = row[c.mean];
        summary.windows.set(c.key, { mean: mean === null ? null : Number(mean), count: Number(row[c.n] ?? 0), at: date(row[c.at]) });
      }
      return summary;
    },
  };
}

/** One query for every deployment given, whatever their number: per deployment, the aggregate of pushedAggregate. */
export async function readPushedObservations(q: Queryable, input: PushedInput & { deploymentIds: string[] }): Promise<Map<string, PushedSummary>> {
  const out = new Map<string, PushedSummary>();
  if (input.deploymentIds.length === 0) return out;
  const aggregate = pushedAggregate(input);
  // One index probe per deployment (a lateral aggregate), never a scan of the window's samples: a page of 2,000
  // deployments among 300,000 watched reads its own samples only, where a plain `= any(…) group by` was planned as a
  // sequential scan of the day's partition for every page.
  const rows = await q.execute<Record<string, unknown>>(sql`
    select p.deployment_id, a.*
    from unnest(${uuidArray(input.deploymentIds)}::uuid[]) as p(deployment_id)
    cross join lateral (${aggregate.query(sql`p.deployment_id`)}) a
    where a.n > 0`);
  for (const row of rows.rows) out.set(String(row.deployment_id), aggregate.parse(row));
  return out;
}

/** What an assessment reads of one deployment from the database: its pushed samples' aggregate, and its firing alerts. */
export interface DeploymentEvidence {
  /** Undefined when it has no samples in the lookback. */
  pushed: PushedSummary | undefined;
  alerts: FiringAlert[];
}

/**
 * DeploymentEvidence as two columns (pushed, alerts) of a statement, for the deployment whose id `deploymentId` gives
 * (a value, or an expression over the enclosing statement, such as the deployment a worker's claim just took).
 */
export function deploymentEvidence(input: PushedInput) {
  const aggregate = pushedAggregate(input);
  return {
    columns: (deploymentId: SQL | string) =>
      sql`(select row_to_json(a) from (${aggregate.query(deploymentId)}) a where a.n > 0) as pushed, ${firingAlertsJson(deploymentId)} as alerts`,
    times: aggregate.times,
    parse: (row: DeploymentEvidenceColumns): DeploymentEvidence => ({ pushed: row.pushed ? aggregate.parse(row.pushed) : undefined, alerts: row.alerts.map(firingAlertOf) }),
  };
}

/** deploymentEvidence's columns, as they come back from the driver. */
export interface DeploymentEvidenceColumns {
  pushed: Record<string, unknown> | null;
  alerts: FiringAlertRow[];
}

/** DeploymentEvidence of one deployment, in one statement. */
export async function readDeploymentEvidence(q: Queryable, deploymentId: string, input: PushedInput): Promise<DeploymentEvidence> {
  const evidence = deploymentEvidence(input);
  const { rows } = await q.execute<DeploymentEvidenceColumns & Record<string, unknown>>(sql`select ${evidence.columns(deploymentId)}`);
  return evidence.parse(rows[0]!);
}
