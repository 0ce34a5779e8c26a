import { AppError } from '../errors/app-error.ts';
import { assessDeployment, type AssessedDeployment, type Assessment } from '../health/assess.ts';
import { probeHealth } from '../health/probe-health.ts';
import type { StepContext, StepResult } from './context.ts';

// Verify: after executing, actively assess the restored version through the configured window, from the same sources
// and rules as the monitor. What counts is the last conclusive assessment: sources lag (a Prometheus rate over a
// minute still shows the bad build's errors for a while), so an early breach may clear, and an early pass may relapse.
// No conclusive assessment at all is inconclusive, which fails unless the policy says otherwise.
export async function verify(ctx: StepContext): Promise<StepResult> {
  const { deps, claim, policy, plan } = ctx;
  const v = policy.verification;
  if (!plan.target) return { ok: false, status: 'failed', reason: 'No valid rollback target found' };
  // Data about the restored version from after the rollback was decided: a sample the service reports while the
  // script is still finishing (or between the approval and the spawn) already describes the restored version.
  const since = claim.event.approvedAt ?? claim.event.initiatedAt;
  // It serves again from then on, so that is where its span (a query's {window}, a baseline comparison) begins.
  const restored: AssessedDeployment = { deploymentId: plan.target.deployment_id, service: plan.service, environment: plan.environment, version: plan.target.version, deployedAt: since };
  const deadline = deps.clock().getTime() + v.window;
  const observations: Array<Record<string, unknown>> = [];
  let last: Assessment | null = null;

  for (;;) {
    const a = await assessDeployment(deps, restored, { pushedSince: since });
    observations.push({ source: 'assessment', verdict: a.verdict, summary: a.summary, at: a.at.toISOString() });
    if (a.verdict !== 'inconclusive') last = a;
    if (v.probe_url) {
      const probe = await probeHealth(deps.fetch, v.probe_url, v.probe_timeout, deps.signal);
      observations.push({ source: 'probe', ...probe });
      if (!probe.ok) return { ok: false, status: 'failed', reason: `rollback did not restore health: ${probe.problem}`, detail: { observations: observations.slice(-10) } };
    }
    // Shutting down mid-window hands the step back; the next worker verifies again from the start.
    if (deps.signal.aborted) throw new AppError('INTERNAL', 'worker shutting down during verification', { retryable: true });
    const left = deadline - deps.clock().getTime();
    if (left <= 0) break;
    await deps.sleep(Math.min(v.interval, left));
  }

  if (last?.verdict === 'unhealthy') {
    return { ok: false, status: 'failed', reason: `rollback did not restore health: ${last.summary.replace(/^Unhealthy: /, '')}`, detail: { observations: observations.slice(-10) } };
  }
  if (last || (v.probe_url && observations.some((o) => o.source === 'probe'))) return { ok: true, detail: { healthy: true, summary: last?.summary ?? 'probe healthy', observations: observations.slice(-10) } };
  if (v.on_no_data === 'pass') return { ok: true, detail: { healthy: null, note: 'no health data after the rollback; passed by policy (on_no_data: pass)' } };
  return {
    ok: false,
    status: 'failed',
    reason: 'no health data after the rollback: verification is inconclusive (push samples for the restored version, or configure a source)',
    detail: { observations: observations.slice(-10) },
  };
}
