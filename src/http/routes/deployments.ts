import { completeDeployment, recordDeployment } from '../../deployments/record-deployment.ts';
import { recordHealthSample, recordMigration } from '../../deployments/record-facts.ts';
import { deploymentItem } from '../../views/rollback-views.ts';
import { evaluateOnArrival } from '../../monitor/run-tick.ts';
import { defineRoute } from '../route.ts';
import { CompleteDeploymentSchema, CreateDeploymentSchema, DeploymentParams, HealthSampleSchema, MigrationSchema } from '../schemas.ts';

export const createDeploymentRoute = defineRoute({
  method: 'post',
  path: '/api/deployments',
  summary: 'Record a deployment (CI calls this when it starts deploying)',
  tag: 'deployments',
  auth: ['deployer'],
  body: CreateDeploymentSchema,
  async handler({ deps, body, principal }) {
    const { deployment, warnings } = await recordDeployment(deps, principal.actor, body);
    return { status: 201, body: { deployment_id: deployment.deploymentId, status: deployment.status, quarantined: deployment.quarantined, warnings } };
  },
});

export const completeDeploymentRoute = defineRoute({
  method: 'post',
  path: '/api/deployments/{id}/complete',
  summary: 'Mark a deployment finished: success or failed, and whether its health check passed',
  tag: 'deployments',
  auth: ['deployer'],
  params: DeploymentParams,
  body: CompleteDeploymentSchema,
  async handler({ deps, body, params, principal }) {
    const row = await completeDeployment(deps, principal.actor, params.id, body);
    return { status: 200, body: deploymentItem(row) };
  },
});

export const recordMigrationRoute = defineRoute({
  method: 'post',
  path: '/api/deployments/{id}/migrations',
  summary: 'Record a database migration applied by a deployment, with its rollback script and reversibility',
  tag: 'deployments',
  auth: ['deployer'],
  params: DeploymentParams,
  body: MigrationSchema,
  async handler({ deps, body, params, principal }) {
    const row = await recordMigration(deps, principal.actor, params.id, body);
    return { status: 201, body: { id: row.id, deployment_id: row.deploymentId, name: row.migrationName, reversibility: row.reversibility } };
  },
});

export const pushHealthRoute = defineRoute({
  method: 'post',
  path: '/api/deployments/{id}/health',
  summary: 'Push one health sample for a deployment',
  tag: 'deployments',
  auth: ['deployer', 'approver'],
  params: DeploymentParams,
  body: HealthSampleSchema,
  async handler({ deps, body, params }) {
    const row = await recordHealthSample(deps, params.id, body);
    // Judged on arrival, not at the next tick; the sample is stored either way, so a failed evaluation loses nothing.
    const decision = await evaluateOnArrival(deps, params.id).catch((err: unknown) => {
      deps.logger.warn({ err, deploymentId: params.id }, 'could not evaluate a pushed sample on arrival; the next tick will');
      return null;
    });
    return {
      status: 201,
      body: { sample_id: row.id, observed_at: row.observedAt.toISOString(), decision: decision ? { action: decision.action, summary: decision.summary, event_id: decision.eventId } : null },
    };
  },
});
