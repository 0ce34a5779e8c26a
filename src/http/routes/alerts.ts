import { z } from 'zod';
import { AlertmanagerPayloadSchema } from '../../health/alertmanager-payload.ts';
import { handleAlerts } from '../../monitor/alerts.ts';
import { UNAVAILABLE } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { schemaNames } from '../schema-names.ts';

const AlertsReceivedSchema = z
  .object({
    received: z.number().int(),
    alerts: z.array(
      z.object({
        fingerprint: z.string(),
        alertname: z.string().nullable(),
        status: z.enum(['firing', 'resolved']),
        outcome: z.enum(['acted', 'recorded', 'ignored']),
        action: z.string().optional().describe('acted: what the monitor did, as for a rule of that action (observe, warn, propose, auto_with_veto, auto)'),
        event_id: z.guid().nullable().optional().describe('acted: the rollback it requested, if any'),
        decision_id: z.number().int().optional().describe('acted: the stored decision, which POST /api/decisions/{decision_id}/false-alarm marks as a false alarm'),
        reason: z.string().optional().describe('ignored: why'),
      }),
    ),
  })
  .register(schemaNames, { id: 'AlertsReceived' });

export const alertmanagerRoute = defineRoute({
  method: 'post',
  path: '/api/alerts/alertmanager',
  operationId: 'receiveAlertmanagerWebhook',
  summary: "Alertmanager's webhook receiver: firing alerts labelled with a service and environment become triggers",
  tag: 'health',
  auth: ['deployer', 'approver', 'automation'],
  body: AlertmanagerPayloadSchema,
  responses: { 200: { description: 'What became of each alert', schema: AlertsReceivedSchema }, ...UNAVAILABLE },
  async handler({ deps, body }) {
    return { status: 200, body: { received: body.alerts.length, alerts: await handleAlerts(deps, body) } };
  },
});
