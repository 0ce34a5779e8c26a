import { z } from 'zod';
import { ReasonSchema } from '../../admission/validate-input.ts';
import type { FalseAlarmRow } from '../../db/schema/index.ts';
import { labelFalseAlarm, type LabelOutcome } from '../../monitor/label-false-alarm.ts';
import { actingAs } from '../auth.ts';
import { ErrorBodySchema, notFound, UNAVAILABLE } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { ActingPerson } from '../schemas.ts';
import { schemaNames } from '../schema-names.ts';

const RulePrecisionSchema = z.object({
  rule: z.string(),
  decisions: z.number().int().describe("The rule's newest decisions counted (monitoring.false_alarms.over_last at most)"),
  false_alarms: z.number().int().describe('Of those, the ones marked as false alarms'),
  precision: z.number().nullable().describe('1 - false_alarms / decisions; null when no decision of the rule is on record'),
  demoted: z.boolean().describe('An auto or auto_with_veto rule with this record proposes instead of rolling back by itself'),
});

const FalseAlarmSchema = z
  .object({
    decision_id: z.number().int(),
    service: z.string(),
    environment: z.string(),
    deployment_id: z.guid(),
    event_id: z.guid().nullable().describe('The rollback the decision proposed or started, if any'),
    reason: z.string().nullable(),
    labelled_by: z.string(),
    labelled_at: z.iso.datetime({ offset: true }),
    rules: z.array(RulePrecisionSchema).describe('Each rule that fired in the decision, with its precision now'),
    newly_demoted: z.array(z.string()).describe('Automatic rules this label pushed below the policy: they now propose, and the channel was told'),
  })
  .register(schemaNames, { id: 'FalseAlarm' });

const AlreadyLabelledSchema = ErrorBodySchema.extend({
  decision_id: z.number().int(),
  labelled_by: z.string(),
  labelled_at: z.iso.datetime({ offset: true }),
}).register(schemaNames, { id: 'FalseAlarmConflict' });

const labelledBy = (l: FalseAlarmRow) => l.labelledByName ?? l.labelledBy;

export function falseAlarmBody(outcome: Extract<LabelOutcome, { kind: 'labelled' }>): z.input<typeof FalseAlarmSchema> {
  const l = outcome.label;
  return {
    decision_id: l.decisionId,
    service: l.service,
    environment: l.environment,
    deployment_id: l.deploymentId,
    event_id: l.eventId,
    reason: l.reason,
    labelled_by: labelledBy(l),
    labelled_at: l.labelledAt.toISOString(),
    rules: outcome.standings.map((s) => ({ rule: s.rule, decisions: s.decisions, false_alarms: s.falseAlarms, precision: s.precision, demoted: s.demoted })),
    newly_demoted: outcome.demoted.map((s) => s.rule),
  };
}

export function alreadyLabelledBody(label: FalseAlarmRow): z.input<typeof AlreadyLabelledSchema> {
  const at = label.labelledAt.toISOString();
  return {
    error: { code: 'ALREADY_LABELLED', message: `decision ${label.decisionId} was already marked as a false alarm by ${labelledBy(label)} at ${at}; it counts once` },
    decision_id: label.decisionId,
    labelled_by: labelledBy(label),
    labelled_at: at,
  };
}

export const labelFalseAlarmRoute = defineRoute({
  method: 'post',
  path: '/api/decisions/{decision_id}/false-alarm',
  operationId: 'labelFalseAlarm',
  summary: 'Mark a monitor decision (a warning, a proposal, an automatic rollback) as a false alarm, lowering the precision of the rules that fired',
  tag: 'health',
  auth: ['approver', 'override'],
  params: z.strictObject({
    decision_id: z
      .string()
      .regex(/^[1-9][0-9]{0,14}$/, 'expected a decision id: a positive whole number')
      .transform(Number)
      .describe('The decision_id a pushed sample or an alert answered with, or the one on the Discord card'),
  }),
  body: z.strictObject({
    reason: ReasonSchema.optional().describe('Why it was a false alarm (stored and audited)'),
    actor: ActingPerson.optional().describe('The person marking it, for a token that speaks for others (discord:<user id>)'),
    actor_name: ActingPerson.optional(),
  }),
  responses: {
    201: { description: 'Marked; each rule that fired, with its precision now', schema: FalseAlarmSchema },
    404: notFound('health decision that rules fired'),
    409: { description: 'The decision is marked already (ALREADY_LABELLED): it counts once', schema: AlreadyLabelledSchema },
    ...UNAVAILABLE,
  },
  async handler({ deps, params, body, principal }) {
    const actor = await actingAs(deps, principal, { id: body.actor, name: body.actor_name });
    const outcome = await labelFalseAlarm(deps, actor, { decisionId: params.decision_id, reason: body.reason ?? null });
    if (outcome.kind === 'already') return { status: 409, body: alreadyLabelledBody(outcome.label) };
    return { status: 201, body: falseAlarmBody(outcome) };
  },
});
