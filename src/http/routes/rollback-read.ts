import { z } from 'zod';
import { checkDeployment } from '../../views/check-deployment.ts';
import { buildEvidence } from '../../views/evidence.ts';
import { findHistory, findVotes, getEvent } from '../../db/queries/rollback-events.ts';
import { AppError } from '../../errors/app-error.ts';
import { decodeCursor, encodeCursor, eventDetail, historyItem } from '../../views/rollback-views.ts';
import { EvidenceSchema } from '../evidence-schema.ts';
import { notFound, UNAVAILABLE, UNKNOWN_SERVICE } from '../responses.ts';
import { aliasOf, defineRoute } from '../route.ts';
import { schemaNames } from '../schema-names.ts';
import { CheckSchema, EventParams, HistoryQuery } from '../schemas.ts';
import { CheckResultSchema, EventDetailSchema, HistoryItemSchema } from '../view-schemas.ts';

export const rollbackCheckRoute = defineRoute({
  method: 'post',
  path: '/api/rollbacks/check',
  operationId: 'checkDeployment',
  summary: 'Should this deployment be rolled back?',
  tag: 'rollbacks',
  auth: ['viewer', 'deployer', 'approver'],
  body: CheckSchema,
  responses: {
    200: { description: 'The answer, with the health assessment behind it', schema: CheckResultSchema },
    404: notFound('deployment'),
    422: UNKNOWN_SERVICE,
    ...UNAVAILABLE,
  },
  async handler({ deps, body }) {
    return { status: 200, body: await checkDeployment(deps, body.deployment_id) };
  },
});
// The seed's paths stay served: each is the same route, handler and schemas included, under its old path.
export const autoRollbackCheckRoute = aliasOf(rollbackCheckRoute, {
  path: '/auto-rollback/check',
  operationId: 'autoRollbackCheck',
  summary: 'Should this deployment be rolled back? (the seed contract)',
});

const inIsoYears = (at: Date) => at.getUTCFullYear() >= 1 && at.getUTCFullYear() <= 9999;

const RollbackPageSchema = z
  .object({
    rollbacks: z.array(HistoryItemSchema).describe('Newest first'),
    next_cursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page'),
  })
  .register(schemaNames, { id: 'RollbackPage' });

export const rollbackListRoute = defineRoute({
  method: 'get',
  path: '/api/rollbacks',
  operationId: 'listRollbacks',
  summary: 'Rollback history with filters and cursor pagination',
  tag: 'rollbacks',
  auth: ['viewer', 'deployer', 'approver'],
  query: HistoryQuery,
  responses: { 200: { description: 'One page of rollbacks', schema: RollbackPageSchema }, ...UNAVAILABLE },
  async handler({ deps, query }) {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    // A cursor this API issued holds a row's time; one outside years 1–9999 has no ISO form PostgreSQL reads (a 500).
    if (cursor === null || (cursor && !inIsoYears(cursor.initiatedAt))) {
      throw new AppError('VALIDATION_FAILED', 'query cursor: not a cursor returned by this API', { details: [{ path: 'cursor', message: 'not a cursor returned by this API' }] });
    }
    const rows = await findHistory(deps.db, { ...query, cursor });
    const last = rows.at(-1);
    return { status: 200, body: { rollbacks: rows.map(historyItem), next_cursor: rows.length === query.limit && last ? encodeCursor(last) : null } };
  },
});
export const rollbackHistoryRoute = aliasOf(rollbackListRoute, { path: '/api/rollbacks/history', operationId: 'listRollbackHistory' });
export const autoRollbackHistoryRoute = aliasOf(rollbackListRoute, {
  path: '/auto-rollback/history',
  operationId: 'autoRollbackHistory',
  summary: 'Rollback history, newest first (the seed contract)',
});

export const rollbackGetRoute = defineRoute({
  method: 'get',
  path: '/api/rollbacks/{event_id}',
  operationId: 'getRollback',
  summary: 'One rollback with its plan, validation, approvals and steps',
  tag: 'rollbacks',
  auth: ['viewer', 'deployer', 'approver'],
  params: EventParams,
  responses: { 200: { description: 'The rollback', schema: EventDetailSchema }, 404: notFound('rollback'), ...UNAVAILABLE },
  async handler({ deps, params }) {
    const { event_id } = params;
    const event = await getEvent(deps.db, event_id);
    if (!event) throw new AppError('NOT_FOUND', `rollback ${event_id} not found`);
    return { status: 200, body: eventDetail(event, await findVotes(deps.db, event_id)) };
  },
});

export const rollbackEvidenceRoute = defineRoute({
  method: 'get',
  path: '/api/rollbacks/{event_id}/evidence',
  operationId: 'getRollbackEvidence',
  summary: 'The evidence bundle of one rollback as a single JSON document',
  tag: 'rollbacks',
  auth: ['viewer', 'deployer', 'approver'],
  params: EventParams,
  responses: { 200: { description: 'The evidence bundle', schema: EvidenceSchema }, 404: notFound('rollback'), ...UNAVAILABLE },
  async handler({ deps, params }) {
    return { status: 200, body: await buildEvidence(deps.db, params.event_id) };
  },
});
