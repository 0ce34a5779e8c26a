import { checkDeployment } from '../../rollback/check-deployment.ts';
import { buildEvidence } from '../../rollback/evidence.ts';
import { findHistory, findVotes, getEvent } from '../../db/queries/rollback-events.ts';
import { AppError } from '../../errors/app-error.ts';
import { decodeCursor, encodeCursor, eventDetail, historyItem } from '../../rollback/views.ts';
import { defineRoute, type RouteDef } from '../route.ts';
import { CheckSchema, EventParams, HistoryQuery } from '../schemas.ts';

const checkHandler: RouteDef['handler'] = async ({ deps, body }) => ({
  status: 200,
  body: await checkDeployment(deps, (body as { deployment_id: string }).deployment_id),
});

export const autoRollbackCheckRoute = defineRoute({ method: 'post', path: '/auto-rollback/check', summary: 'Should this deployment be rolled back? (the seed contract)', tag: 'rollbacks', auth: ['viewer', 'deployer', 'approver'], body: CheckSchema, handler: checkHandler });
export const rollbackCheckRoute = defineRoute({ method: 'post', path: '/api/rollbacks/check', summary: 'Should this deployment be rolled back?', tag: 'rollbacks', auth: ['viewer', 'deployer', 'approver'], body: CheckSchema, handler: checkHandler });

const historyHandler: RouteDef['handler'] = async ({ deps, query }) => {
  const q = query as ReturnType<typeof HistoryQuery.parse>;
  const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
  if (cursor === null) throw new AppError('VALIDATION_FAILED', 'query cursor: not a cursor returned by this API');
  const rows = await findHistory(deps.db, { ...q, cursor });
  const last = rows.at(-1);
  return { status: 200, body: { rollbacks: rows.map(historyItem), next_cursor: rows.length === q.limit && last ? encodeCursor(last) : null } };
};

export const autoRollbackHistoryRoute = defineRoute({ method: 'get', path: '/auto-rollback/history', summary: 'Rollback history, newest first (the seed contract)', tag: 'rollbacks', auth: ['viewer', 'deployer', 'approver'], query: HistoryQuery, handler: historyHandler });
export const rollbackHistoryRoute = defineRoute({ method: 'get', path: '/api/rollbacks/history', summary: 'Rollback history with filters and cursor pagination', tag: 'rollbacks', auth: ['viewer', 'deployer', 'approver'], query: HistoryQuery, handler: historyHandler });
export const rollbackListRoute = defineRoute({ method: 'get', path: '/api/rollbacks', summary: 'Rollback history with filters and cursor pagination', tag: 'rollbacks', auth: ['viewer', 'deployer', 'approver'], query: HistoryQuery, handler: historyHandler });

export const rollbackGetRoute = defineRoute({
  method: 'get',
  path: '/api/rollbacks/{event_id}',
  summary: 'One rollback with its plan, validation, approvals and steps',
  tag: 'rollbacks',
  auth: ['viewer', 'deployer', 'approver'],
  params: EventParams,
  async handler({ deps, params }) {
    const { event_id } = params as { event_id: string };
    const event = await getEvent(deps.db, event_id);
    if (!event) throw new AppError('NOT_FOUND', `rollback ${event_id} not found`);
    return { status: 200, body: eventDetail(event, await findVotes(deps.db, event_id)) };
  },
});

export const rollbackEvidenceRoute = defineRoute({
  method: 'get',
  path: '/api/rollbacks/{event_id}/evidence',
  summary: 'The evidence bundle of one rollback as a single JSON document',
  tag: 'rollbacks',
  auth: ['viewer', 'deployer', 'approver'],
  params: EventParams,
  async handler({ deps, params }) {
    return { status: 200, body: await buildEvidence(deps.db, (params as { event_id: string }).event_id) };
  },
});
