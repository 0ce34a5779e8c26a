import { insertSnapshots } from '../db/queries/snapshots.ts';
import { endDueWatches } from '../db/queries/watches.ts';
import { snapshotValues } from '../deployments/take-snapshot.ts';
import type { MonitorDeps } from './types.ts';

/**
 * Ends the watch of deployments whose window has passed, set-based: one statement ends them all (healthy → success
 * with health_check_passed and a watch_passed decision; otherwise unhealthy or inconclusive, which stay as CI left
 * them) and reads what the healthy ones' post-deployment snapshots record; one more stores those snapshots. Both
 * commit together, so a crash never leaves a passed watch without its snapshot.
 */
export async function finishWatches(deps: MonitorDeps): Promise<{ healthy: number; other: number }> {
  const now = deps.clock();
  const { watch_window, stale_after, max_sample_age } = deps.config.raw.monitoring;
  return deps.db.transaction(async (tx) => {
    const ended = await endDueWatches(tx, {
      now,
      staleAfterMs: stale_after,
      sampleSince: new Date(now.getTime() - max_sample_age),
      passedSummary: `healthy through the ${Math.round(watch_window / 60_000)} min watch window`,
    });
    const healthy = ended.filter((w) => w.result === 'healthy');
    await insertSnapshots(
      tx,
      healthy.map((w) =>
        snapshotValues(
          { type: 'post_deployment', deployment: w, eventId: null, policy: deps.config.resolve(w.service, w.environment), policyVersion: deps.config.policyVersion, at: now },
          w,
        ),
      ),
    );
    return { healthy: healthy.length, other: ended.length - healthy.length };
  });
}
