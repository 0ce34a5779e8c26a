import { z } from 'zod';
import { ACTIONS } from '../../config/monitoring-schema.ts';
import { completeDeployment, recordDeployment } from '../../deployments/record-deployment.ts';
import { recordHealthSample, recordMigration } from '../../deployments/record-facts.ts';
import { deploymentStatus, reversibility } from '../../db/schema/ops.ts';
import { deploymentItem } from '../../views/rollback-views.ts';
import { evaluateOnArrival } from '../../monitor/run-tick.ts';
import { failure, notFound, UNAVAILABLE, UNKNOWN_SERVICE } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { schemaNames } from '../schema-names.ts';
import { CompleteDeploymentSchema, CreateDeploymentSchema, DeploymentParams, HealthSampleSchema, MigrationSchema } from '../schemas.ts';
import { DeploymentSchema } from '../view-schemas.ts';

const DeploymentRecordedSchema = z
  .object({
    deployment_id: z.guid(),
    status: z.enum(deploymentStatus.enumValues),
    quarantined: z.boolean().describe('This version was rolled back before'),
    frozen_by: z.array(z.string()).nullable().describe('Recorded while the gate would have denied it: every freeze, in words; null when none'),
    warnings: z.array(z.string()),
  })
  .register(schemaNames, { id: 'DeploymentRecorded' });

export const createDeploymentRoute = defineRoute({
  method: 'post',
  path: '/api/deployments',
  operationId: 'createDeployment',
  summary: 'Record a deployment (CI calls this when it starts deploying)',
  tag: 'deployments',
  auth: ['deployer'],
  body: CreateDeploymentSchema,
  responses: { 201: { description: 'Recorded, and watched by the monitor', schema: DeploymentRecordedSchema }, 422: UNKNOWN_SERVICE, ...UNAVAILABLE },
  async handler({ deps, body, principal }) {
    const { deployment, warnings } = await recordDeployment(deps, principal.actor, body);
    return { status: 201, body: { deployment_id: deployment.deploymentId, status: deployment.status, quarantined: deployment.quarantined, frozen_by: deployment.frozenBy, warnings } };
  },
});

export const completeDeploymentRoute = defineRoute({
  method: 'post',
  path: '/api/deployments/{id}/complete',
  operationId: 'completeDeployment',
  summary: 'Mark a deployment finished: success or failed, and whether its health check passed',
  tag: 'deployments',
  auth: ['deployer'],
  params: DeploymentParams,
  body: CompleteDeploymentSchema,
  responses: {
    200: { description: 'The deployment as now recorded', schema: DeploymentSchema },
    404: notFound('deployment'),
    409: failure('The deployment was rolled back; it cannot be completed (CONFLICT)'),
    ...UNAVAILABLE,
  },
  async handler({ deps, body, params, principal }) {
    const row = await completeDeployment(deps, principal.actor, params.id, body);
    return { status: 200, body: deploymentItem(row) };
  },
});

const MigrationRecordedSchema = z
  .object({ id: z.number().int(), deployment_id: z.guid(), name: z.string(), reversibility: z.enum(reversibility.enumValues) })
  .register(schemaNames, { id: 'MigrationRecorded' });

export const recordMigrationRoute = defineRoute({
  method: 'post',
  path: '/api/deployments/{id}/migrations',
  operationId: 'recordMigration',
  summary: 'Record a database migration applied by a deployment, with its rollback script and reversibility',
  tag: 'deployments',
  auth: ['deployer'],
  params: DeploymentParams,
  body: MigrationSchema,
  responses: {
    201: { description: 'Recorded', schema: MigrationRecordedSchema },
    404: notFound('deployment'),
    409: failure('A migration of this name is already recorded for the deployment (CONFLICT)'),
    ...UNAVAILABLE,
  },
  async handler({ deps, body, params, principal }) {
    const row = await recordMigration(deps, principal.actor, params.id, body);
    return { status: 201, body: { id: row.id, deployment_id: row.deploymentId, name: row.migrationName, reversibility: row.reversibility } };
  },
});

const SampleRecordedSchema = z
  .object({
    sample_id: z.number().int(),
    observed_at: z.iso.datetime({ offset: true }),
    decision: z
      .object({
        action: z.enum(ACTIONS),
        summary: z.string(),
        event_id: z.guid().nullable(),
        decision_id: z.number().int().describe('The stored decision, which POST /api/decisions/{decision_id}/false-alarm marks as a false alarm'),
      })
      .nullable()
      .describe("The monitor's decision on arrival; null when the deployment is not under watch or nothing was decided"),
  })
  .register(schemaNames, { id: 'HealthSampleRecorded' });

export const pushHealthRoute = defineRoute({
  method: 'post',
  path: '/api/deployments/{id}/health',
  operationId: 'pushHealthSample',
  summary: 'Push one health sample for a deployment',
  tag: 'deployments',
  auth: ['deployer', 'approver'],
  params: DeploymentParams,
  body: HealthSampleSchema,
  responses: { 201: { description: 'Stored, and judged on arrival', schema: SampleRecordedSchema }, 404: notFound('deployment'), ...UNAVAILABLE },
  async handler({ deps, body, params }) {
    const row = await recordHealthSample(deps, params.id, body);
    // Judged on arrival, not at the next tick; the sample is stored either way, so a failed evaluation loses nothing.
    const decision = await evaluateOnArrival(deps, params.id).catch((err: unknown) => {
      deps.logger.warn({ err, deploymentId: params.id }, 'could not evaluate a pushed sample on arrival; the next tick will');
      return null;
    });
    return {
      status: 201,
      body: { sample_id: row.id, observed_at: row.observedAt.toISOString(), decision: decision ? { action: decision.action, summary: decision.summary, event_id: decision.eventId, decision_id: decision.decisionId } : null },
    };
  },
});
