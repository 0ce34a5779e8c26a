// The rollback plan: what will be rolled back to, and what it undoes. Approvals are bound to its hash.

export interface PlanDeployment {
  deployment_id: string;
  version: string;
  git_commit: string;
  deployed_at: string;
  health_check_passed: boolean;
}

export interface PlanMigration {
  deployment_id: string;
  migration_name: string;
  migration_hash: string;
  reversibility: 'expand' | 'reversible' | 'destructive' | 'irreversible';
  has_rollback_script: boolean;
  applied_at: string;
}

export interface RollbackPlan {
  service: string;
  environment: string;
  /** The deployment being rolled back. */
  from: PlanDeployment;
  /** The last known-good deployment, or null when there is none. */
  target: PlanDeployment | null;
  /** Migrations applied after the target, newest first: the ones a full rollback reverts. */
  migrations: PlanMigration[];
  /** code_only leaves the database as it is and redeploys the old code. */
  mode: 'full' | 'code_only';
  policy_version: string;
}
