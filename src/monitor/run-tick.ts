import { act, type ActResult } from './act.ts';
import { evaluateOnArrivalOf, evaluateWatched } from './evaluate-deployments.ts';
import { finishWatches } from './finish-watch.ts';
import { recheckRollbacks } from './recheck-rollbacks.ts';
import type { MonitorDeps } from './types.ts';
import { findWatchedOne } from '../db/queries/watches.ts';
import { answerWaiting } from '../freeze/github-protection.ts';

export interface TickReport {
  watched: number;
  decisions: ActResult[];
  watchesEnded: number;
  rechecked: number;
  skipped: boolean;
  ms: number;
}

/** One monitor tick: every deployment under watch, set-based; then actions, ended watches and due rechecks. */
export async function runTick(deps: MonitorDeps): Promise<TickReport> {
  const started = performance.now();
  const evaluation = await evaluateWatched(deps);
  const decisions: ActResult[] = [];
  for (const v of evaluation?.fired ?? []) {
    const decided = await act(deps, v).catch((err: unknown) => {
      deps.logger.error({ err, deploymentId: v.deployment.deploymentId }, 'could not act on a health decision; the next breach will try again');
      return null;
    });
    if (decided) decisions.push(decided);
  }
  const ended = evaluation ? await finishWatches(deps) : { healthy: 0, other: 0 };
  const rechecked = evaluation ? await recheckRollbacks(deps) : 0;
  // GitHub deployments waiting on a freeze: approved within one tick of the freeze lifting.
  if (evaluation && deps.github) {
    const github = deps.github;
    await answerWaiting({ ...deps, github }).catch((err: unknown) => deps.logger.error({ err }, 'could not re-ask the gate for waiting GitHub deployments; the next tick tries again'));
  }
  return {
    watched: evaluation?.watched ?? 0,
    decisions,
    watchesEnded: ended.healthy + ended.other,
    rechecked,
    skipped: evaluation === null,
    ms: performance.now() - started,
  };
}

/** A sample or an alert just arrived: judge that deployment now, without waiting for the tick. */
export async function evaluateOnArrival(deps: MonitorDeps, deploymentId: string): Promise<ActResult | null> {
  const watched = await findWatchedOne(deps.db, deploymentId);
  if (!watched) return null;
  const [verdict] = await evaluateOnArrivalOf(deps, [watched]);
  return verdict ? act(deps, verdict) : null;
}
