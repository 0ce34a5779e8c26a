import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXPIRED_REASON, expireOverdue } from '../../src/admission/cancel-rollback.ts';
import { decideRollback } from '../../src/admission/decide-rollback.ts';
import { requestRollback } from '../../src/admission/request-rollback.ts';
import { findVotes, getEvent } from '../../src/db/queries/rollback-events.ts';
import type { RollbackEventRow } from '../../src/db/schema/index.ts';
import { goodThenBad } from '../support/layer/rows.ts';
import { createLayerWorld, person, type LayerWorld } from '../support/layer/world.ts';

// decideRollback on a real database with a fake clock: production needs two people, and a request expires 10 minutes
// after it was made (layerPolicy). Each test rolls back a service of its own, so they share one database. The clock starts years away from the wall clock, so a time the code took from
// anywhere but the injected clock would show.

const T0 = new Date('2031-03-01T10:00:00.000Z');
const WINDOW_MS = 10 * 60_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

const alice = person('alice', 'approver');
const bob = person('bob', 'approver');
const carol = person('carol', 'approver');
const dave = person('dave', 'deployer');

const SERVICES = ['inside', 'deadline', 'janitor', 'once', 'together', 'veto', 'role'];

describe('decideRollback', () => {
  let w: LayerWorld;
  beforeAll(async () => {
    w = await createLayerWorld({ start: T0, services: SERVICES });
  });
  afterAll(async () => {
    await w?.close();
  });
  beforeEach(() => {
    w.clock.set(T0);
    w.enqueued.length = 0;
  });

  /** A production rollback of `service` awaiting approval; the requester's request is their first approval. */
  async function awaitingApproval(service: string, requester: typeof alice | null): Promise<RollbackEventRow> {
    const { bad } = await goodThenBad(w.db, service, 'production', w.clock.now());
    const out = await requestRollback(w.deps, {
      deploymentId: bad.deploymentId,
      reason: 'errors since v2.0.0',
      triggerType: requester ? 'manual' : 'automatic',
      requester,
    });
    if (out.kind !== 'admitted') throw new Error(`expected the request to be admitted, got ${out.kind}`);
    expect(out.event).toMatchObject({ status: 'awaiting_approval', approvalsRequired: 2, initiatedAt: T0, expiresAt: at(WINDOW_MS) });
    return out.event;
  }

  const votesOf = async (eventId: string) =>
    (await findVotes(w.db, eventId)).map((v) => ({ approver: v.approver, decision: v.decision, decidedAt: v.decidedAt.toISOString() }));

  it('approves with the second person inside the window, stamps the fake time, and enqueues once', async () => {
    const event = await awaitingApproval('inside', alice);
    expect(w.enqueued).toEqual([]);

    w.clock.advance(WINDOW_MS - 1);
    const out = await decideRollback(w.deps, { eventId: event.eventId, actor: bob, decision: 'approve', reason: 'seen the errors too' });

    if (out.kind !== 'recorded') throw new Error(`expected recorded, got ${out.kind}`);
    expect(out.approval).toMatchObject({ state: 'approved', have: 2, need: 2, approvedBy: ['alice', 'bob'] });
    expect(out.enqueued).toBe(true);
    expect(w.enqueued).toEqual([event.eventId]);
    const stored = await getEvent(w.db, event.eventId);
    expect(stored).toMatchObject({ status: 'approved', approvedAt: at(WINDOW_MS - 1), completedAt: null, updatedAt: at(WINDOW_MS - 1) });
    expect(await votesOf(event.eventId)).toEqual([
      { approver: 'discord:alice', decision: 'approve', decidedAt: T0.toISOString() },
      { approver: 'discord:bob', decision: 'approve', decidedAt: at(WINDOW_MS - 1).toISOString() },
    ]);
    expect(w.notifier.kinds(event.eventId)).toEqual(['requested', 'approval_needed', 'approved']);
  });

  it('refuses a vote cast at the deadline: the rollback expires at the fake time and nothing is enqueued', async () => {
    const event = await awaitingApproval('deadline', alice);

    w.clock.advance(WINDOW_MS);
    const out = await decideRollback(w.deps, { eventId: event.eventId, actor: bob, decision: 'approve', reason: 'late' });

    expect(out).toMatchObject({ kind: 'refused', code: 'EXPIRED' });
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'expired', statusReason: EXPIRED_REASON, approvedAt: null, completedAt: at(WINDOW_MS) });
    expect(await votesOf(event.eventId)).toEqual([{ approver: 'discord:alice', decision: 'approve', decidedAt: T0.toISOString() }]);
    expect(w.enqueued).toEqual([]);
    expect(w.notifier.kinds(event.eventId)).toEqual(['requested', 'approval_needed', 'expired']);

    // A click after that finds it resolved and changes nothing.
    const later = await decideRollback(w.deps, { eventId: event.eventId, actor: carol, decision: 'approve', reason: 'later still' });
    expect(later).toMatchObject({ kind: 'already_resolved', by: EXPIRED_REASON });
    expect(w.enqueued).toEqual([]);
  });

  it('lets the janitor expire a request exactly when the fake clock reaches expires_at, not a millisecond before', async () => {
    const event = await awaitingApproval('janitor', alice);

    w.clock.advance(WINDOW_MS - 1);
    expect(await expireOverdue(w.deps)).toBe(0);
    expect((await getEvent(w.db, event.eventId))?.status).toBe('awaiting_approval');

    // Other tests' requests share T0 and so this deadline; whatever they left awaiting expires with it.
    w.clock.advance(1);
    expect(await expireOverdue(w.deps)).toBeGreaterThanOrEqual(1);
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'expired', completedAt: at(WINDOW_MS) });
    expect(w.enqueued).toEqual([]);
  });

  it('counts a person once: a repeated vote is refused, and a concurrent double click is recorded once', async () => {
    // An automatic proposal: no requester, so both approvals must come from people.
    const event = await awaitingApproval('once', null);

    w.clock.advance(60_000);
    const clicks = await Promise.all([
      decideRollback(w.deps, { eventId: event.eventId, actor: bob, decision: 'approve', reason: 'click' }),
      decideRollback(w.deps, { eventId: event.eventId, actor: bob, decision: 'approve', reason: 'click' }),
    ]);
    expect(clicks.map((c) => c.kind).sort()).toEqual(['recorded', 'refused']);
    expect(clicks.find((c) => c.kind === 'recorded')).toMatchObject({ approval: { state: 'pending', have: 1, need: 2 } });
    expect(clicks.find((c) => c.kind === 'refused')).toMatchObject({ code: 'ALREADY_DECIDED' });

    w.clock.advance(60_000);
    const again = await decideRollback(w.deps, { eventId: event.eventId, actor: bob, decision: 'approve', reason: 'yes, again' });
    expect(again).toMatchObject({ kind: 'refused', code: 'ALREADY_DECIDED' });
    expect((await getEvent(w.db, event.eventId))?.status).toBe('awaiting_approval');
    expect(w.enqueued).toEqual([]);

    const second = await decideRollback(w.deps, { eventId: event.eventId, actor: carol, decision: 'approve', reason: 'yes' });
    expect(second).toMatchObject({ kind: 'recorded', approval: { state: 'approved', have: 2, approvedBy: ['bob', 'carol'] } });
    expect(await votesOf(event.eventId)).toEqual([
      { approver: 'discord:bob', decision: 'approve', decidedAt: at(60_000).toISOString() },
      { approver: 'discord:carol', decision: 'approve', decidedAt: at(120_000).toISOString() },
    ]);
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'approved', approvedAt: at(120_000) });
    expect(w.enqueued).toEqual([event.eventId]);
  });

  it('approves when two people vote at the same moment: the vote that waited on the other counts it', async () => {
    // The race a card invites: alice and bob click within a few milliseconds. Each vote locks the rollback's row; the
    // one that waits must then read the votes as they are after the other committed, not as they were when it began
    // waiting, or each counts only itself and the rollback stays awaiting approval with both votes cast.
    const event = await awaitingApproval('together', null);
    w.clock.advance(60_000);
    const holder = await w.database.pool.connect();
    const waitingOnLocks = async () =>
      Number((await w.database.pool.query(`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows[0].n);
    let votes: Promise<Awaited<ReturnType<typeof decideRollback>>[]>;
    try {
      // Held so that both votes start, and wait, before either can finish.
      await holder.query('begin');
      await holder.query('select 1 from ops.rollback_events where event_id = $1 for update', [event.eventId]);
      votes = Promise.all([
        decideRollback(w.deps, { eventId: event.eventId, actor: alice, decision: 'approve', reason: 'seen it' }),
        decideRollback(w.deps, { eventId: event.eventId, actor: bob, decision: 'approve', reason: 'seen it too' }),
      ]);
      await expect.poll(waitingOnLocks, { timeout: 10_000, interval: 20 }).toBe(2);
      await holder.query('commit');
    } finally {
      holder.release();
    }
    const outcomes = await votes;
    const states = outcomes.map((o) => (o.kind === 'recorded' ? `${o.approval.state} ${o.approval.have}/${o.approval.need}` : o.kind)).sort();
    expect(states).toEqual(['approved 2/2', 'pending 1/2']);
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'approved' });
    expect(w.enqueued).toEqual([event.eventId]);
  });

  it('ends the rollback on one reject, whatever comes after', async () => {
    const event = await awaitingApproval('veto', alice);

    w.clock.advance(2 * 60_000);
    const out = await decideRollback(w.deps, { eventId: event.eventId, actor: bob, decision: 'reject', reason: 'the errors are from a partner outage' });

    expect(out).toMatchObject({ kind: 'recorded', approval: { state: 'rejected', rejectedBy: 'bob' } });
    const reason = 'rejected by bob: the errors are from a partner outage';
    expect(await getEvent(w.db, event.eventId)).toMatchObject({ status: 'rejected', statusReason: reason, approvedAt: null, completedAt: at(2 * 60_000) });
    expect(w.notifier.kinds(event.eventId)).toEqual(['requested', 'approval_needed', 'rejected']);

    const late = await decideRollback(w.deps, { eventId: event.eventId, actor: carol, decision: 'approve', reason: 'approve anyway' });
    expect(late).toMatchObject({ kind: 'already_resolved', by: reason });
    expect((await votesOf(event.eventId)).map((v) => `${v.approver}:${v.decision}`)).toEqual(['discord:alice:approve', 'discord:bob:reject']);
    expect(w.enqueued).toEqual([]);
  });

  it('refuses a vote from someone without the approver role and records nothing', async () => {
    const event = await awaitingApproval('role', alice);
    const out = await decideRollback(w.deps, { eventId: event.eventId, actor: dave, decision: 'approve', reason: 'I deployed it' });
    expect(out).toMatchObject({ kind: 'refused', code: 'NOT_AN_APPROVER' });
    expect(await votesOf(event.eventId)).toHaveLength(1);
    expect((await getEvent(w.db, event.eventId))?.status).toBe('awaiting_approval');
    expect(w.enqueued).toEqual([]);
  });
});
