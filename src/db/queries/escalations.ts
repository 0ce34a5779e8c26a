import { and, asc, eq } from 'drizzle-orm';
import type { Queryable } from '../client.ts';
import { insertHealthDecision } from './health-decisions.ts';
import { escalationPredicate, healthDecisions, type HealthDecisionRow, type RollbackEventRow } from '../schema/index.ts';

/**
 * Records the circuit breaker's page before it is announced, so the page outlives a Discord outage. (A failed recheck
 * needs no call: its recheck_failed decision, written with the automation hold, is the record.)
 */
export async function insertEscalation(q: Queryable, event: RollbackEventRow, e: { action: 'circuit_breaker_open'; summary: string; evidence: unknown }): Promise<void> {
  await insertHealthDecision(q, {
    deploymentId: event.deploymentId,
    service: event.service,
    environment: event.environment,
    action: e.action,
    summary: e.summary,
    evidence: e.evidence ?? {},
    eventId: event.eventId,
  });
}

/** Every escalation about one rollback, oldest first. */
export async function findEscalations(q: Queryable, eventId: string): Promise<HealthDecisionRow[]> {
  return q
    .select()
    .from(healthDecisions)
    .where(and(eq(healthDecisions.eventId, eventId), escalationPredicate('action')))
    .orderBy(asc(healthDecisions.decidedAt), asc(healthDecisions.id));
}
