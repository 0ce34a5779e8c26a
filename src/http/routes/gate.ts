import { z } from 'zod';
import { UuidSchema, ReasonSchema } from '../../admission/validate-input.ts';
import { askGate } from '../../freeze/ask-gate.ts';
import { grantPass, requestPass } from '../../freeze/deploy-pass.ts';
import { FREEZE_KINDS } from '../../freeze/judge-gate.ts';
import { gateText } from '../../freeze/gate-words.ts';
import type { DeployPassRow } from '../../db/schema/index.ts';
import { actingAs } from '../auth.ts';
import { failure, notFound, UNAVAILABLE, UNKNOWN_SERVICE } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { ConfiguredName, ActingPerson, GitCommit, VersionText } from '../schemas.ts';
import { schemaNames } from '../schema-names.ts';

const Instant = z.iso.datetime({ offset: true });

export const FreezeSchema = z
  .object({
    kind: z.enum(FREEZE_KINDS).describe('scheduled: a window in the policy file; manual: set by a person; rollback, hold, alert, quarantine: set by backstop'),
    id: z.string().describe('The freeze id (manual), window name, rollback event id, hold id, alert fingerprint or quarantining deployment'),
    reason: z.string(),
    set_by: z.string(),
    since: Instant.nullable(),
    ends_at: Instant.nullable().describe('null: it ends with its cause'),
    ends_when: z.string().describe('When it ends, in words'),
  })
  .register(schemaNames, { id: 'Freeze' });

const GateVerdictSchema = z
  .object({
    service: z.string(),
    environment: z.string(),
    version: z.string(),
    commit: z.string().nullable(),
    decision: z.enum(['allow', 'deny']),
    freezes: z.array(FreezeSchema).describe('Every freeze now, including those an exemption lets this deploy past'),
    exemption: z
      .object({ kind: z.enum(['rollback_target', 'known_good', 'pass']), reason: z.string(), pass_id: z.guid().optional() })
      .nullable()
      .describe('Why a frozen deploy is allowed: a rollback, or a return, to the known-good version is never frozen; a pass lets one version through'),
    may_proceed_at: Instant.nullable().describe('deny: when every freeze ends by the clock; null when one ends with its cause'),
    next_window: z
      .object({ name: z.string(), reason: z.string(), starts_at: Instant, ends_at: Instant })
      .nullable()
      .describe('The next scheduled window of the policy file to begin for this service and environment (within a year)'),
    checked_at: Instant,
    text: z.string().describe('The verdict in words, one reason per line, as `backstop gate` prints it'),
  })
  .register(schemaNames, { id: 'GateVerdict' });

export const gateRoute = defineRoute({
  method: 'get',
  path: '/api/gate',
  operationId: 'askGate',
  summary: 'May this version deploy now? Allow or deny, with every freeze and when the deploy may go ahead',
  tag: 'gate',
  // Whoever deploys asks: CI's deployer or automation token, or a person about to deploy by hand.
  auth: ['deployer', 'approver', 'override', 'automation'],
  query: z.strictObject({
    service: ConfiguredName.describe('A service named in the policy file'),
    environment: ConfiguredName.describe('One of its environments'),
    version: VersionText.describe('The version about to deploy'),
    commit: GitCommit.optional().describe('Its git commit: a known-good version is exempt only as the same build'),
  }),
  responses: {
    200: { description: 'The verdict: decision allow or deny (a deny is an answer, not an error)', schema: GateVerdictSchema },
    422: UNKNOWN_SERVICE,
    503: failure('PostgreSQL is unreachable (DATABASE_UNAVAILABLE): the gate cannot tell. Treat it as deny to fail closed; `backstop gate` exits 3 for it.'),
  },
  async handler({ deps, query }) {
    const verdict = await askGate(deps, query);
    return { status: 200, body: { ...verdict, text: gateText(verdict) } };
  },
});

const PassSchema = z
  .object({
    pass_id: z.guid(),
    service: z.string(),
    environment: z.string(),
    version: z.string(),
    reason: z.string(),
    requested_by: z.string(),
    granted_by: z.string().nullable(),
    expires_at: Instant,
    state: z.enum(['awaiting_second_person', 'granted']),
  })
  .register(schemaNames, { id: 'DeployPass' });

export const passBody = (p: DeployPassRow) => ({
  pass_id: p.passId,
  service: p.service,
  environment: p.environment,
  version: p.version,
  reason: p.reason,
  requested_by: p.requestedByName ?? p.requestedBy,
  granted_by: p.grantedByName ?? p.grantedBy,
  expires_at: p.expiresAt.toISOString(),
  state: p.grantedAt ? ('granted' as const) : ('awaiting_second_person' as const),
});


export const requestPassRoute = defineRoute({
  method: 'post',
  path: '/api/gate/passes',
  operationId: 'requestDeployPass',
  summary: 'Ask to let one version through every freeze (override role and a reason; a second person grants it)',
  tag: 'gate',
  auth: ['override'],
  body: z.strictObject({
    service: ConfiguredName,
    environment: ConfiguredName,
    version: VersionText,
    reason: ReasonSchema,
    actor: ActingPerson.optional().describe('The person asking, for a token that speaks for others (discord:<user id>)'),
    actor_name: ActingPerson.optional(),
  }),
  responses: {
    201: { description: 'Asked for: the pass waits for a second person', schema: PassSchema },
    403: failure('The person lacks the override role, or the token may not act for them (FORBIDDEN)'),
    422: UNKNOWN_SERVICE,
    ...UNAVAILABLE,
  },
  async handler({ deps, body, principal }) {
    const actor = await actingAs(deps, principal, { id: body.actor, name: body.actor_name });
    const pass = await requestPass(deps, actor, body);
    return { status: 201, body: passBody(pass) };
  },
});

export const grantPassRoute = defineRoute({
  method: 'post',
  path: '/api/gate/passes/{pass_id}/grant',
  operationId: 'grantDeployPass',
  summary: 'Grant a pass as the second person: the version may deploy through the freezes once, within the hour',
  tag: 'gate',
  auth: ['approver', 'override'],
  params: z.strictObject({ pass_id: UuidSchema.describe('The pass_id the request returned') }),
  body: z.strictObject({
    actor: ActingPerson.optional().describe('The person granting, for a token that speaks for others (discord:<user id>)'),
    actor_name: ActingPerson.optional(),
  }),
  responses: {
    200: { description: 'Granted', schema: PassSchema },
    403: failure('The person asked for the pass themselves, or lacks the approver role (FORBIDDEN)'),
    404: notFound('pass'),
    409: failure('The pass was granted or used already, or it expired (CONFLICT)'),
    ...UNAVAILABLE,
  },
  async handler({ deps, params, body, principal }) {
    const actor = await actingAs(deps, principal, { id: body.actor, name: body.actor_name });
    return { status: 200, body: passBody(await grantPass(deps, actor, params.pass_id)) };
  },
});
