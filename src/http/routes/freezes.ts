import { z } from 'zod';
import { ReasonSchema, UuidSchema } from '../../admission/validate-input.ts';
import type { FreezeRow } from '../../db/schema/index.ts';
import { FreezeDurationSchema } from '../../freeze/freeze-duration.ts';
import { listFreezes } from '../../freeze/list-freezes.ts';
import { liftFreeze, setFreeze } from '../../freeze/set-freeze.ts';
import { actingAs } from '../auth.ts';
import { failure, notFound, UNAVAILABLE, UNKNOWN_SERVICE } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { ConfiguredName, ActingPerson } from '../schemas.ts';
import { schemaNames } from '../schema-names.ts';
import { FreezeSchema } from './gate.ts';


const FrozenListSchema = z
  .object({
    frozen: z.array(z.object({ service: z.string(), environment: z.string(), freezes: z.array(FreezeSchema) })).describe('Only the services and environments something freezes now'),
  })
  .register(schemaNames, { id: 'FrozenList' });

const ManualFreezeSchema = z
  .object({
    freeze_id: z.guid(),
    service: z.string(),
    environment: z.string(),
    reason: z.string(),
    set_by: z.string(),
    starts_at: z.iso.datetime({ offset: true }),
    ends_at: z.iso.datetime({ offset: true }),
    lifted_at: z.iso.datetime({ offset: true }).nullable(),
    lifted_by: z.string().nullable(),
  })
  .register(schemaNames, { id: 'ManualFreeze' });

export const freezeBody = (f: FreezeRow) => ({
  freeze_id: f.freezeId,
  service: f.service,
  environment: f.environment,
  reason: f.reason,
  set_by: f.setByName ?? f.setBy,
  starts_at: f.startsAt.toISOString(),
  ends_at: f.endsAt.toISOString(),
  lifted_at: f.liftedAt?.toISOString() ?? null,
  lifted_by: f.liftedBy,
});

export const listFreezesRoute = defineRoute({
  method: 'get',
  path: '/api/freezes',
  operationId: 'listFreezes',
  summary: 'What is frozen now, and why, in the words the gate uses',
  tag: 'gate',
  // People read the list; machines ask the gate.
  auth: ['viewer', 'deployer', 'approver', 'override'],
  query: z.strictObject({ service: ConfiguredName.optional().describe('Only this service'), environment: ConfiguredName.optional().describe('Only this environment') }),
  responses: { 200: { description: 'The frozen services and environments', schema: FrozenListSchema }, 422: UNKNOWN_SERVICE, ...UNAVAILABLE },
  async handler({ deps, query }) {
    return { status: 200, body: { frozen: await listFreezes(deps, query) } };
  },
});

export const setFreezeRoute = defineRoute({
  method: 'post',
  path: '/api/freezes',
  operationId: 'setFreeze',
  summary: 'Freeze forward deploys of a service in an environment for a while, with a reason (rollbacks are never frozen)',
  tag: 'gate',
  auth: ['deployer', 'approver', 'override'],
  body: z.strictObject({
    service: ConfiguredName,
    environment: ConfiguredName,
    duration: FreezeDurationSchema.describe('How long: 30m, 2h, 3d (at most 30d)'),
    reason: ReasonSchema,
    actor: ActingPerson.optional().describe('The person freezing, for a token that speaks for others (discord:<user id>)'),
    actor_name: ActingPerson.optional(),
  }),
  responses: { 201: { description: 'Frozen', schema: ManualFreezeSchema }, 422: UNKNOWN_SERVICE, ...UNAVAILABLE },
  async handler({ deps, body, principal }) {
    const actor = await actingAs(deps, principal, { id: body.actor, name: body.actor_name });
    const row = await setFreeze(deps, actor, { service: body.service, environment: body.environment, durationMs: body.duration, reason: body.reason });
    return { status: 201, body: freezeBody(row) };
  },
});

export const liftFreezeRoute = defineRoute({
  method: 'post',
  path: '/api/freezes/{freeze_id}/lift',
  operationId: 'liftFreeze',
  summary: 'Lift a freeze set by hand before it ends (approver role)',
  tag: 'gate',
  auth: ['approver', 'override'],
  params: z.strictObject({ freeze_id: UuidSchema.describe('The freeze_id the freeze was set with') }),
  body: z.strictObject({
    reason: ReasonSchema.optional(),
    actor: ActingPerson.optional().describe('The person lifting it, for a token that speaks for others (discord:<user id>)'),
    actor_name: ActingPerson.optional(),
  }),
  responses: {
    200: { description: 'Lifted', schema: ManualFreezeSchema },
    404: notFound('freeze'),
    409: failure('The freeze was lifted already, or it ended (CONFLICT)'),
    ...UNAVAILABLE,
  },
  async handler({ deps, params, body, principal }) {
    const actor = await actingAs(deps, principal, { id: body.actor, name: body.actor_name });
    return { status: 200, body: freezeBody(await liftFreeze(deps, actor, params.freeze_id, body.reason ?? null)) };
  },
});
