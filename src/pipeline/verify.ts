import { AppError } from '../errors/app-error.ts';
import { findSamplesSince } from '../db/queries/deployments.ts';
import { breachesOf, isConclusive } from '../health/judge-sample.ts';
import { probeHealth } from '../health/http-probe.ts';
import type { StepContext, StepResult } from './context.ts';

// Verify: watch health for the configured window after executing. Any breach fails at once; a window with no
// conclusive observation is inconclusive, which fails unless the policy says otherwise.
export async function verify(ctx: StepContext): Promise<StepResult> {
  const { deps, claim, policy } = ctx;
  const v = policy.verification;
  const executed = claim.entry('execute');
  const since = new Date(executed?.finished_at ?? executed?.started_at ?? deps.clock().toISOString());
  const deadline = deps.clock().getTime() + v.window;
  const observations: Array<Record<string, unknown>> = [];
  let healthySeen = 0;

  for (;;) {
    const samples = await findSamplesSince(deps.db, ctx.from.service, ctx.from.environment, since);
    const newest = samples.find(isConclusive);
    if (newest) {
      const breaches = breachesOf(newest, v.thresholds);
      observations.push({ source: 'samples', observed_at: newest.observedAt.toISOString(), breaches });
      if (breaches.length > 0) {
        return { ok: false, status: 'failed', reason: `rollback did not restore health: ${breaches.join(', ')}`, detail: { observations } };
      }
      healthySeen++;
    }
    if (v.probe_url) {
      const probe = await probeHealth(deps.fetch, v.probe_url, v.probe_timeout, deps.signal);
      observations.push({ source: 'probe', ...probe });
      if (!probe.ok) return { ok: false, status: 'failed', reason: `rollback did not restore health: ${probe.problem}`, detail: { observations } };
      healthySeen++;
    }
    // Shutting down mid-window hands the step back; the next worker verifies again from the start.
    if (deps.signal.aborted) throw new AppError('INTERNAL', 'worker shutting down during verification', { retryable: true });
    const left = deadline - deps.clock().getTime();
    if (left <= 0) break;
    await deps.sleep(Math.min(v.interval, left));
  }

  if (healthySeen > 0) return { ok: true, detail: { healthy: true, observations: observations.slice(-10) } };
  if (v.on_no_data === 'pass') return { ok: true, detail: { healthy: null, note: 'no health data after the rollback; passed by policy (on_no_data: pass)' } };
  return { ok: false, status: 'failed', reason: 'no health data after the rollback: verification is inconclusive (push samples or configure a probe)', detail: { observations } };
}
