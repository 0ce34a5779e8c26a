import type { Backstop } from '../harness.ts';

export const FINAL = ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'] as const;

/** Records a finished deployment; a good one is a rollback target, a bad one is something to roll back. */
export async function deploy(b: Backstop, service: string, environment: string, version: string, good: boolean): Promise<string> {
  const created = await b.api('POST', '/api/deployments', 'ci', { service, environment, version, git_commit: 'abc1234' });
  if (created.status !== 201) throw new Error(`deployment of ${service} ${version}: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.deployment_id as string;
  const done = await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
  if (done.status !== 200) throw new Error(`completing ${service} ${version}: ${done.status} ${JSON.stringify(done.body)}`);
  return id;
}

/** Status of each event, straight from Postgres (the truth; the API may be the thing under test). */
export async function statuses(b: Backstop, eventIds: string[]): Promise<Map<string, string>> {
  const rows = await b.running.deps.pool.query<{ event_id: string; status: string }>(
    'select event_id::text, status::text from ops.rollback_events where event_id = any($1::uuid[])',
    [eventIds],
  );
  return new Map(rows.rows.map((r) => [r.event_id, r.status]));
}

/**
 * Waits until every event is final or the time is up, and returns the statuses either way: a stuck rollback is a
 * finding to print and assert on, not a timeout that hides which one and where it stopped.
 */
export async function settle(b: Backstop, eventIds: string[], timeoutMs: number): Promise<Map<string, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await statuses(b, eventIds).catch(() => null);
    if (now && eventIds.every((id) => (FINAL as readonly string[]).includes(now.get(id) ?? ''))) return now;
    if (Date.now() > deadline) return now ?? new Map();
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** "7 succeeded, 1 failed" */
export function tally(values: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
}

/** Each event's status and how its execute step ended ('done', 'interrupted', 'failed', or null if never begun). */
export async function executeSteps(b: Backstop, eventIds: string[]): Promise<Array<{ event_id: string; status: string; execute: string | null }>> {
  const { rows } = await b.running.deps.pool.query<{ event_id: string; status: string; execute: string | null }>(
    `select event_id::text, status::text,
            (select s->>'status' from jsonb_array_elements(rollback_steps) s where s->>'step' = 'execute') as execute
       from ops.rollback_events where event_id = any($1::uuid[])`,
    [eventIds],
  );
  return rows;
}
