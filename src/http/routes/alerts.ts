import { AlertmanagerPayloadSchema } from '../../health/alertmanager-payload.ts';
import { handleAlerts } from '../../monitor/alerts.ts';
import { defineRoute } from '../route.ts';

export const alertmanagerRoute = defineRoute({
  method: 'post',
  path: '/api/alerts/alertmanager',
  summary: "Alertmanager's webhook receiver: firing alerts labelled with a service and environment become triggers",
  tag: 'health',
  auth: ['deployer', 'approver', 'automation'],
  body: AlertmanagerPayloadSchema,
  async handler({ deps, body }) {
    return { status: 200, body: { received: body.alerts.length, alerts: await handleAlerts(deps, body) } };
  },
});
