import { appendAudit } from '../audit/append-audit.ts';
import { requirePolicy } from '../config/require-policy.ts';
import { getDeployment, getQuarantinedDeployment, insertDeployment, updateDeploymentCompletion } from '../db/queries/deployments.ts';
import { supersedeWatches } from '../db/queries/watches.ts';
import type { DeploymentRow } from '../db/schema/index.ts';
import { AppError } from '../errors/app-error.ts';
import type { Actor, CoreDeps } from '../core/deps.ts';
import { takeSnapshot } from './take-snapshot.ts';
import { askGate } from '../freeze/ask-gate.ts';
import { freezeLine } from '../freeze/gate-words.ts';
import { spendPass } from '../db/queries/freezes.ts';

export interface NewDeployment {
  service: string;
  environment: string;
  version: string;
  git_commit: string;
  git_branch?: string | undefined;
  deployed_by?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

/**
 * The quarantined flag travels with the version: deploying a rolled-back version again is recorded and flagged. So
 * does a freeze: CI may deploy without asking the gate, and backstop records the deployment anyway, flagged with the
 * gate's reasons at that moment. A deployment the gate let through on a pass spends the pass.
 */
export async function recordDeployment(deps: CoreDeps, actor: Actor, input: NewDeployment): Promise<{ deployment: DeploymentRow; warnings: string[] }> {
  const policy = requirePolicy(deps.config, input.service, input.environment);
  return deps.db.transaction(async (tx) => {
    const bad = await getQuarantinedDeployment(tx, input);
    const warnings = bad ? [`version ${input.version} was rolled back before (deployment ${bad.id}) and is quarantined`] : [];
    const gate = await askGate({ ...deps, db: tx }, { service: input.service, environment: input.environment, version: input.version, commit: input.git_commit });
    const frozenBy = gate.decision === 'deny' ? gate.freezes.map(freezeLine) : null;
    if (frozenBy) warnings.push(`recorded during a freeze: ${frozenBy.join('; ')}`);
    // The newest deployment is the one to watch: an older one still under watch is superseded, not judged.
    await supersedeWatches(tx, input.service, input.environment);
    const row = await insertDeployment(tx, {
      service: input.service,
      environment: input.environment,
      version: input.version,
      gitCommit: input.git_commit,
      gitBranch: input.git_branch ?? null,
      deployedBy: input.deployed_by ?? actor.id,
      status: 'in_progress',
      quarantined: Boolean(bad),
      frozenBy,
      metadata: input.metadata ?? null,
      watchEndsAt: new Date(deps.clock().getTime() + deps.config.raw.monitoring.watch_window),
    });
    await takeSnapshot(tx, { type: 'pre_deployment', deployment: row, eventId: null, policy, policyVersion: deps.config.policyVersion, at: deps.clock(), maxSampleAgeMs: deps.config.raw.monitoring.max_sample_age });
    const pass = gate.exemption?.kind === 'pass' && gate.exemption.pass_id ? gate.exemption.pass_id : null;
    if (pass && !(await spendPass(tx, pass, row.deploymentId, deps.clock()))) warnings.push(`pass ${pass} was spent by another deployment meanwhile`);
    await appendAudit(tx, {
      actor: actor.id,
      source: actor.source,
      action: 'deployment.record',
      subject: row.deploymentId,
      result: frozenBy ? 'recorded during a freeze' : 'recorded',
      severity: frozenBy ? 'warning' : 'info',
      details: { service: input.service, environment: input.environment, version: input.version, quarantined: Boolean(bad), frozen_by: frozenBy, pass },
    });
    return { deployment: row, warnings };
  });
}

export async function completeDeployment(
  deps: CoreDeps,
  actor: Actor,
  deploymentId: string,
  input: { status: 'success' | 'failed'; health_check_passed: boolean; health_check_details?: Record<string, unknown> | undefined },
): Promise<DeploymentRow> {
  return deps.db.transaction(async (tx) => {
    const current = await getDeployment(tx, deploymentId);
    if (!current) throw new AppError('NOT_FOUND', `deployment ${deploymentId} not found`);
    if (current.status === 'rolled_back') throw new AppError('CONFLICT', `deployment ${deploymentId} was rolled back; it cannot be completed`);
    const row = await updateDeploymentCompletion(tx, deploymentId, {
      status: input.status,
      healthCheckPassed: input.health_check_passed,
      healthCheckDetails: input.health_check_details ?? null,
      completedAt: deps.clock(),
    });
    if (input.status === 'success') {
      await takeSnapshot(tx, { type: 'post_deployment', deployment: row, eventId: null, policy: deps.config.resolve(row.service, row.environment), policyVersion: deps.config.policyVersion, at: deps.clock(), maxSampleAgeMs: deps.config.raw.monitoring.max_sample_age });
    }
    await appendAudit(tx, { actor: actor.id, source: actor.source, action: 'deployment.complete', subject: deploymentId, result: input.status, details: { health_check_passed: input.health_check_passed } });
    return row;
  });
}
