import { z } from 'zod';
import { acknowledgeHold } from '../../monitor/holds.ts';
import { UNAVAILABLE, UNKNOWN_SERVICE } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { ConfiguredName } from '../schemas.ts';
import { schemaNames } from '../schema-names.ts';


const HoldsReleasedSchema = z
  .object({ service: z.string(), environment: z.string(), holds_released: z.number().int().describe('0 when nothing was held') })
  .register(schemaNames, { id: 'HoldsReleased' });

export const acknowledgeHoldRoute = defineRoute({
  method: 'post',
  path: '/api/automation/{service}/{environment}/acknowledge',
  operationId: 'acknowledgeAutomationHold',
  summary: 'Resume automatic rollbacks of a service after a rollback that did not restore health',
  tag: 'health',
  auth: ['approver', 'override'],
  params: z.strictObject({ service: ConfiguredName.describe('A service named in the policy file'), environment: ConfiguredName.describe('One of its environments') }),
  responses: { 200: { description: 'Automatic rollbacks may resume', schema: HoldsReleasedSchema }, 422: UNKNOWN_SERVICE, ...UNAVAILABLE },
  async handler({ deps, params, principal }) {
    const released = await acknowledgeHold(deps, principal.actor, params.service, params.environment);
    return { status: 200, body: { service: params.service, environment: params.environment, holds_released: released } };
  },
});
