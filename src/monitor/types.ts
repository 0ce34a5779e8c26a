import type { CoreDeps } from '../core/deps.ts';
import type { GithubGate } from '../freeze/github-protection.ts';
import type { RuleOutcome } from '../health/rules/evaluate-rule.ts';

/** A deployment under watch, as the tick reads it. */
export interface WatchedDeployment {
  deploymentId: string;
  service: string;
  environment: string;
  version: string;
  deployedAt: Date;
  rollbackFrom: string | null;
}

export interface MonitorDeps extends CoreDeps {
  /** Schedules the auto_with_veto countdown's end. */
  scheduleVetoEnd(eventId: string, at: Date): Promise<void>;
  /** The GitHub App's protection rule, when the policy file has github_app: the tick approves what a lifted freeze lets go. */
  github?: GithubGate;
}

/** What one evaluation found for one deployment: every rule's outcome, and those that fired. */
export interface DeploymentVerdict {
  deployment: WatchedDeployment;
  outcomes: RuleOutcome[];
  fired: RuleOutcome[];
}
