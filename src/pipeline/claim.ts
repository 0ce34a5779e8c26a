import { createHash } from 'node:crypto';
import type { Config } from '../config/load.ts';
import type { Db } from '../db/client.ts';
import { parseStoredFacts, type StoredFacts, type StoredFactsColumns } from '../db/queries/rollback-facts.ts';
import { claimEvent, lockedClaimQuery, type LockedClaimColumns } from '../db/queries/rollback-transitions.ts';
import { rowFromJson } from '../db/row-from-json.ts';
import { rollbackEvents } from '../db/schema/index.ts';
import { pulledMetrics, pushedWindows } from '../health/observe.ts';
import { dedupeWindows, deploymentEvidence, windowKey, type DeploymentEvidence, type DeploymentEvidenceColumns } from '../health/pushed-observations.ts';
import type { PipelineDeps } from './context.ts';
import { Claim } from './ledger.ts';

/** Takes the rollback for this worker by bumping its fence; resolves null when there is nothing left to do. */
export async function claimRollback(db: Db, eventId: string, workerId: string, clock: () => Date): Promise<Claim | null> {
  const row = await claimEvent(db, eventId, workerId, clock());
  if (!row) return null;
  return new Claim(db, row, row.claimFence, row.rollbackSteps, clock);
}

export interface Claimed {
  claim: Claim;
  /** The facts validation and the pre-rollback snapshot need, read with the claim; null if the deployment is gone. */
  stored: StoredFacts | null;
  /** The pre-rollback snapshot admission took, refreshed in place (keeping its id) by this run's snapshot. */
  preSnapshotId: string | null;
  /** The database's part of validation's health assessment (pushed samples, firing alerts), read with the claim. */
  evidence: DeploymentEvidence;
}

const windowsOf = new WeakMap<Config, { windows: Array<{ metric: string; windowMs: number }>; statement: string }>();

/**
 * Every (metric, window) pair a windowed rule of any configured service reads from pushed samples. The claim reads the
 * evidence before it knows the service, so it aggregates them all (a handful: windows are few); the assessment looks
 * up its own rules' pairs among them. They make the claim's text, so they also name its prepared statement: one name
 * must always mean one text, also to a session that outlives a configuration.
 */
function everyPushedWindow(config: Config) {
  let known = windowsOf.get(config);
  if (!known) {
    const policies = Object.entries(config.raw.services).flatMap(([service, s]) => s.environments.map((environment) => config.resolve(service, environment)));
    const windows = dedupeWindows(policies.flatMap((p) => (p ? pushedWindows(p.rules, pulledMetrics(p)) : [])));
    const statement = `backstop_locked_claim_${createHash('sha256').update(windows.map((w) => windowKey(w.metric, w.windowMs)).join(',')).digest('hex').slice(0, 12)}`;
    known = { windows, statement };
    windowsOf.set(config, known);
  }
  return known;
}

/**
 * A worker's start, in one statement: the service's execution lock, the fenced claim and the facts. `fn` runs while
 * the lock is held; `nothing` answers when the rollback is not the workers' (final, or not approved). Another worker
 * holding the lock is EXECUTION_LOCKED (retryable).
 */
export function withClaimedRollback<T>(
  deps: PipelineDeps,
  eventId: string,
  workerId: string,
  fn: (claimed: Claimed) => Promise<T>,
  nothing: () => T,
  onLost?: (err: Error) => void,
): Promise<T> {
  const at = deps.clock();
  const stateSince = new Date(at.getTime() - deps.config.raw.monitoring.max_sample_age);
  const { windows, statement } = everyPushedWindow(deps.config);
  const evidence = deploymentEvidence({ windows, now: at, staleAfterMs: deps.config.raw.monitoring.stale_after, clockSkewMs: deps.config.raw.monitoring.max_clock_skew });
  return deps.locks.withLockedClaim<T, LockedClaimColumns & DeploymentEvidenceColumns>(
    lockedClaimQuery(deps.db, eventId, workerId, at, stateSince, evidence.columns),
    statement,
    async (row) => {
      if (!row.event) return nothing();
      const event = rowFromJson(rollbackEvents, row.event);
      const claim = new Claim(deps.db, event, event.claimFence, event.rollbackSteps, deps.clock);
      return fn({ claim, stored: row.from_row ? parseStoredFacts(row as StoredFactsColumns) : null, preSnapshotId: row.pre_snapshot_id, evidence: evidence.parse(row) });
    },
    nothing,
    onLost,
  );
}
