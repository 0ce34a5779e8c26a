import { act, type ActResult } from './act.ts';
import { evaluateDeployments } from './evaluate-deployments.ts';
import { finishWatches } from './finish-watch.ts';
import { recheckRollbacks } from './recheck-rollbacks.ts';
import type { MonitorDeps } from './types.ts';
import { findWatched, findWatchedOne } from '../db/queries/watches.ts';

export interface TickReport {
  watched: number;
  evaluated: number;
  decisions: ActResult[];
  watchesEnded: number;
  rechecked: number;
  skipped: boolean;
  ms: number;
}

/** One monitor tick: every deployment under watch, set-based; then actions, ended watches and due rechecks. */
export async function runTick(deps: MonitorDeps): Promise<TickReport> {
  const started = performance.now();
  const watched = await findWatched(deps.db);
  const verdicts = await evaluateDeployments(deps, watched, 'tick');
  const decisions: ActResult[] = [];
  for (const v of verdicts ?? []) {
    const decided = await act(deps, v).catch((err: unknown) => {
      deps.logger.error({ err, deploymentId: v.deployment.deploymentId }, 'could not act on a health decision; the next breach will try again');
      return null;
    });
    if (decided) decisions.push(decided);
  }
  const ended = verdicts ? await finishWatches(deps) : { healthy: 0, other: 0 };
  const rechecked = verdicts ? await recheckRollbacks(deps) : 0;
  return {
    watched: watched.length,
    evaluated: verdicts?.length ?? 0,
    decisions,
    watchesEnded: ended.healthy + ended.other,
    rechecked,
    skipped: verdicts === null,
    ms: performance.now() - started,
  };
}

/** A sample or an alert just arrived: judge that deployment now, without waiting for the tick. */
export async function evaluateOnArrival(deps: MonitorDeps, deploymentId: string): Promise<ActResult | null> {
  const watched = await findWatchedOne(deps.db, deploymentId);
  if (!watched) return null;
  const [verdict] = (await evaluateDeployments(deps, [watched], 'arrival')) ?? [];
  return verdict ? act(deps, verdict) : null;
}
