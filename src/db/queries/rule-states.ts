import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import type { PriorState } from '../../health/rules/evaluate-rule.ts';
import { uuidArray } from '../../health/pushed-observations.ts';

/**
 * Only the states that carry something: a breach streak, or an inconclusive check holding one. An `ok` state
 * needs no memory (judging the same healthy sample again gives the same answer), so a healthy fleet reads nothing.
 * By deployment, then rule: a tick looks up every rule of every deployment, and a key built of both for each lookup
 * was 600k strings at 100k watched.
 */
export async function loadRuleStates(q: Queryable, deploymentIds: string[]): Promise<Map<string, Map<string, PriorState>>> {
  const out = new Map<string, Map<string, PriorState>>();
  if (deploymentIds.length === 0) return out;
  const rows = await q.execute<{ deployment_id: string; rule: string; verdict: PriorState['verdict']; consecutive: number; observed_at: string }>(
    sql`select deployment_id, rule, verdict, consecutive, observed_at from ops.rule_states where deployment_id = any(${uuidArray(deploymentIds)}::uuid[]) and verdict <> 'ok'`,
  );
  for (const r of rows.rows) {
    let rules = out.get(r.deployment_id);
    if (!rules) out.set(r.deployment_id, (rules = new Map()));
    rules.set(r.rule, { verdict: r.verdict, consecutive: r.consecutive, observedAt: new Date(r.observed_at) });
  }
  return out;
}

export interface StateWrite {
  deploymentId: string;
  rule: string;
  verdict: string;
  consecutive: number;
  value: number | null;
  observedAt: Date;
}

// Array literals are built only from uuids, validated rule names, fixed verdicts, numbers and ISO dates.
const literal = (items: Array<string | number | null>) => `{${items.map((v) => (v === null ? 'NULL' : String(v))).join(',')}}`;

/** Every changed state in one statement, however many deployments the tick evaluated. */
export async function writeRuleStates(q: Queryable, writes: StateWrite[], now: Date): Promise<void> {
  if (writes.length === 0) return;
  await q.execute(sql`
    insert into ops.rule_states (deployment_id, rule, verdict, consecutive, value, observed_at, updated_at)
    select d, r, v, c, x, o, ${now} from unnest(
      ${literal(writes.map((w) => w.deploymentId))}::uuid[],
      ${literal(writes.map((w) => w.rule))}::text[],
      ${literal(writes.map((w) => w.verdict))}::text[],
      ${literal(writes.map((w) => w.consecutive))}::int[],
      ${literal(writes.map((w) => (w.value === null || !Number.isFinite(w.value) ? null : w.value)))}::float8[],
      ${literal(writes.map((w) => w.observedAt.toISOString()))}::timestamptz[]
    ) as t(d, r, v, c, x, o)
    on conflict (deployment_id, rule) do update set
      verdict = excluded.verdict, consecutive = excluded.consecutive, value = excluded.value,
      observed_at = excluded.observed_at, updated_at = excluded.updated_at`);
}
