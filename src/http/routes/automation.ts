import { z } from 'zod';
import { acknowledgeHold } from '../../monitor/holds.ts';
import { defineRoute } from '../route.ts';

const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a service or environment name');

export const acknowledgeHoldRoute = defineRoute({
  method: 'post',
  path: '/api/automation/{service}/{environment}/acknowledge',
  summary: 'Resume automatic rollbacks of a service after a rollback that did not restore health',
  tag: 'health',
  auth: ['approver', 'override'],
  params: z.strictObject({ service: Name, environment: Name }),
  async handler({ deps, params, principal }) {
    const released = await acknowledgeHold(deps, principal.actor, params.service, params.environment);
    return { status: 200, body: { service: params.service, environment: params.environment, holds_released: released } };
  },
});
