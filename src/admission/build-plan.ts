import { canonicalHash } from '../core/canonical-hash.ts';
import type { StoredFacts } from '../db/queries/rollback-facts.ts';
import type { DeploymentRow } from '../db/schema/index.ts';
import type { PlanDeployment, RollbackPlan } from '../core/plan.ts';

const planDeployment = (row: DeploymentRow): PlanDeployment => ({
  deployment_id: row.deploymentId,
  version: row.version,
  git_commit: row.gitCommit,
  deployed_at: row.deployedAt.toISOString(),
  health_check_passed: row.healthCheckPassed,
});

export interface BuiltPlan {
  plan: RollbackPlan;
  planHash: string;
  target: DeploymentRow | null;
}

// The plan is derived from stored facts only (read in one statement with the rest of a judgment's facts), so deriving
// it twice gives the same hash unless something changed.
export function buildPlan(facts: Pick<StoredFacts, 'from' | 'target' | 'migrations'>, mode: RollbackPlan['mode'], policyVersion: string): BuiltPlan {
  const { from, target, migrations } = facts;
  const plan: RollbackPlan = {
    service: from.service,
    environment: from.environment,
    from: planDeployment(from),
    target: target ? planDeployment(target) : null,
    migrations: migrations.map((m) => ({
      deployment_id: m.deploymentId,
      migration_name: m.migrationName,
      migration_hash: m.migrationHash,
      reversibility: m.reversibility,
      has_rollback_script: Boolean(m.rollbackScript && m.rollbackScript.trim()),
      applied_at: m.appliedAt.toISOString(),
    })),
    mode,
    policy_version: policyVersion,
  };
  return { plan, planHash: planHashOf(plan), target };
}

/** What approvals bind to: the target, the migrations and their classes, the mode and the policy version. */
export function planHashOf(plan: RollbackPlan): string {
  return canonicalHash({
    target: plan.target?.deployment_id ?? null,
    migrations: plan.migrations.map((m) => [m.migration_name, m.migration_hash, m.reversibility, m.has_rollback_script]),
    mode: plan.mode,
    policy_version: plan.policy_version,
  });
}
