// A vote in three statements: one that locks the rollback, one read that locks its audit chain's head and brings
// everything the vote is judged on, and one write that records the vote, moves the status and appends the audit row
// together.
import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { executeBuilt, builtOnce, executePrepared } from '../prepared.ts';
import { rowFromJson } from '../row-from-json.ts';
import { approvals, rollbackEvents, type RollbackEventRow } from '../schema/index.ts';
import { auditInsertCtes, chainHeadFromJson, lockedChainHeadJson, type AuditRowToInsert, type ChainHead } from './audit-log.ts';
import { parseStoredFacts, storedFactsQuery, type StoredFacts, type StoredFactsColumns } from './rollback-facts.ts';
import type { EventPatch } from './rollback-transitions.ts';

export type VoteRow = typeof approvals.$inferSelect;

export interface DecisionState {
  event: RollbackEventRow;
  votes: VoteRow[];
  /** Null when the deployment rolled back no longer exists. */
  stored: StoredFacts | null;
  /** The head of the event's audit chain, locked with the event until the transaction ends. */
  head: ChainHead | null;
}

const lockEvent = builtOnce<{ eventId: string }>((p) => sql`select 1 from ops.rollback_events where event_id = ${p('eventId')} for update`);

const decisionRead = builtOnce<{ eventId: string; chain: number }>(
  (p) => sql`
    with ev as (select * from ops.rollback_events where event_id = ${p('eventId')})
    select row_to_json(ev) as event,
      coalesce((select json_agg(a order by a.decided_at, a.id) from ops.approvals a where a.event_id = ev.event_id), '[]') as votes,
      ${lockedChainHeadJson(p('chain'))} as head,
      facts.*
    from ev left join lateral (${storedFactsQuery(sql`ev.deployment_id`, sql`ev.event_id`)}) facts on true`,
);

/**
 * Locks the rollback row, then its audit chain's head (the order every writer takes them in), and reads its votes and
 * the facts its plan is derived from. Null when there is no such rollback.
 *
 * The row lock is a statement of its own. Under READ COMMITTED a statement reads with the snapshot it began with,
 * and a lock it then waits for does not renew it: the waiting row is re-read, but nothing else in the statement is.
 * Locked and read in one statement, a vote that waited for another one read the votes as they were before that vote
 * committed, so two people approving at once each counted only themselves and the rollback stayed awaiting approval
 * with both approvals cast. Read in a statement that begins after the lock is held, the votes are the committed ones.
 */
export async function readDecisionState(q: Queryable, eventId: string, auditChain: number): Promise<DecisionState | null> {
  const locked = await executeBuilt(q, lockEvent(q, { eventId }));
  if (locked.rowCount === 0) return null;
  const { rows } = await executeBuilt<
    Partial<StoredFactsColumns> & { event: Record<string, unknown>; votes: Array<Record<string, unknown>>; head: Parameters<typeof chainHeadFromJson>[0] | null }
  >(q, decisionRead(q, { eventId, chain: auditChain }));
  const row = rows[0];
  if (!row) return null;
  return {
    event: rowFromJson(rollbackEvents, row.event),
    votes: row.votes.map((v) => rowFromJson(approvals, v)),
    stored: row.from_row ? parseStoredFacts(row as StoredFactsColumns) : null,
    head: row.head ? chainHeadFromJson(row.head) : null,
  };
}

/**
 * Records a vote, applies `patch` to the rollback and appends the audit row, in one statement; returns the rollback as
 * written. A second vote by the same person fails on approvals_event_approver_uq, as a lone insert would.
 */
export async function writeDecision(
  q: Queryable,
  input: { vote: typeof approvals.$inferInsert; eventId: string; patch: EventPatch; audit: AuditRowToInsert },
): Promise<RollbackEventRow> {
  const vote = q.insert(approvals).values(input.vote);
  const event = q.update(rollbackEvents).set(input.patch).where(eq(rollbackEvents.eventId, input.eventId)).returning();
  // Drizzle puts an embedded query in parentheses itself, so `vote as ${vote}` is a well-formed CTE.
  const { rows } = await executePrepared<{ event: Record<string, unknown> }>(q, sql`
    with ${auditInsertCtes([input.audit])}, vote as ${vote}, ev as ${event}
    select row_to_json(ev) as event from ev`);
  return rowFromJson(rollbackEvents, rows[0]!.event);
}
