import { waitFor, type Backstop } from './harness.ts';

// The monitor tests' shared moves: record a deployment for the monitor to watch, and find what it did about it.

/**
 * Records a deployment of `service` in `environment`. A good one is completed healthy, so it is the known-good
 * version (a rollback's target, a baseline); a bad one is left as CI left it, under watch.
 */
export async function recordWatched(b: Backstop, service: string, version: string, good: boolean, environment = 'prod'): Promise<string> {
  const rec = await b.api('POST', '/api/deployments', 'ci', { service, environment, version, git_commit: 'abc1234' });
  if (rec.status !== 201) throw new Error(`recording ${service} ${version}: ${rec.status} ${JSON.stringify(rec.body)}`);
  const id = rec.body.deployment_id as string;
  if (good) await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: 'success', health_check_passed: true });
  return id;
}

/** The rollbacks of one deployment, newest first, as the API lists them. */
export async function rollbacksOf(b: Backstop, deploymentId: string): Promise<Array<{ deployment_id: string; event_id: string; status: string }>> {
  const list = (await b.api('GET', '/api/rollbacks?limit=50', 'viewer')).body.rollbacks as Array<{ deployment_id: string; event_id: string; status: string }>;
  return list.filter((r) => r.deployment_id === deploymentId);
}

/** Waits for the monitor's rollback of a deployment, then for it to end; resolves the final rollback as the API shows it. */
export async function rolledBack(b: Backstop, deploymentId: string, appearWithinMs = 30_000) {
  const [event] = await waitFor('an automatic rollback', async () => {
    const list = await rollbacksOf(b, deploymentId);
    return list.length ? list : null;
  }, appearWithinMs);
  return waitFor('it to finish', async () => {
    const e = (await b.api('GET', `/api/rollbacks/${event!.event_id}`, 'viewer')).body;
    return ['succeeded', 'failed', 'rejected'].includes(e.status) ? e : null;
  }, 40_000);
}
