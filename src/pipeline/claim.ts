import { sql } from 'drizzle-orm';
import type { Config } from '../config/load.ts';
import type { Db } from '../db/client.ts';
import { parseStoredFacts, type StoredFacts, type StoredFactsColumns } from '../db/queries/rollback-facts.ts';
import { claimEvent, lockedClaimQuery, type LockedClaimColumns } from '../db/queries/rollback-transitions.ts';
import { rowFromJson } from '../db/row-from-json.ts';
import { rollbackEvents } from '../db/schema/index.ts';
import { pulledMetrics, pushedWindows } from '../health/observe.ts';
import { dedupeWindows, deploymentEvidence, type DeploymentEvidence, type DeploymentEvidenceColumns } from '../health/pushed-observations.ts';
import { builtOnce, type BuiltStatement } from '../db/prepared.ts';
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

/**
 * The claim of one configuration, built once: its statement, with placeholders for the rollback, the worker and the
 * times (0.39 ms of drizzle building on every claim before, on the approval's critical path), and how to read the
 * evidence it carries.
 */
interface ClaimStatement {
  build: (q: Db, values: Record<string, unknown>) => BuiltStatement;
  evidence: ReturnType<typeof deploymentEvidence>;
}

const claimsOf = new WeakMap<Config, ClaimStatement>();

/**
 * Every (metric, window) pair a windowed rule of any configured service reads from pushed samples. The claim reads the
 * evidence before it knows the service, so it aggregates them all (a handful: windows are few); the assessment looks
 * up its own rules' pairs among them. They make the claim's text; the text names its prepared statement, so a session
 * that outlives a configuration never meets two texts under one name.
 */
function claimStatement(config: Config): ClaimStatement {
  let known = claimsOf.get(config);
  if (!known) {
    const policies = Object.entries(config.raw.services).flatMap(([service, s]) => s.environments.map((environment) => config.resolve(service, environment)));
    const windows = dedupeWindows(policies.flatMap((p) => (p ? pushedWindows(p.rules, pulledMetrics(p)) : [])));
    const { stale_after: staleAfterMs, max_clock_skew: clockSkewMs } = config.raw.monitoring;
    const evidence = deploymentEvidence({ windows, now: new Date(0), staleAfterMs, clockSkewMs, timeParam: (name) => sql`${sql.placeholder(`ev_${name}`)}` });
    const build = builtOnce<Record<string, unknown>>((p, q) =>
      lockedClaimQuery(q, { eventId: p('eventId'), workerId: p('workerId'), at: p('at'), stateSince: p('stateSince') }, evidence.columns),
    );
    known = { build, evidence };
    claimsOf.set(config, known);
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
  const { build, evidence } = claimStatement(deps.config);
  const times = Object.fromEntries(Object.entries(evidence.times(at)).map(([name, value]) => [`ev_${name}`, value]));
  return deps.locks.withLockedClaim<T, LockedClaimColumns & DeploymentEvidenceColumns>(
    build(deps.db, { eventId, workerId, at: at.toISOString(), stateSince: stateSince.toISOString(), ...times }),
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
