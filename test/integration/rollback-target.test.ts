import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

const SCRIPT = resolve('test/fixtures/rollback.sh');

// After a rollback, the live deployment is the restored copy of the known-good build. Its "last known-good
// predecessor" is that same build: rolling back to it would deploy v1.4.0 over v1.4.0, fail to change anything,
// and page on-call. The same build as the deployment being rolled back, or as the live one, is never a target.
describe('rollback targets', () => {
  let b: Backstop;
  beforeAll(async () => {
    const effects = join(mkdtempSync(join(tmpdir(), 'backstop-target-')), 'effects.log');
    b = await startBackstop({ policy: testPolicy({ executorArgv: [SCRIPT, effects], onNoData: 'pass' }) });
  });
  afterAll(async () => b?.close());

  const dep = async (version: string, commit: string, good: boolean) => {
    const id = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version, git_commit: commit })).body.deployment_id as string;
    await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
    return id;
  };

  it('never offers the same version and commit as the deployment rolled back or the live one; asking for it is refused plainly', async () => {
    await dep('v1.3.0', 'aaa1111', true);
    await dep('v1.4.0', 'bbb2222', true);
    const bad = await dep('v1.5.0', 'ccc3333', false);
    const first = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'v1.5.0 breaks checkout' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const done = await waitFor('the first rollback to finish', async () => {
      const r = await b.api('GET', `/api/rollbacks/${first.body.event_id}`, 'viewer');
      return ['succeeded', 'failed'].includes(r.body.status) ? r.body : null;
    });
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    const restored = done.rollback_steps.find((s: { step: string }) => s.step === 'finish').detail.restored_deployment_id as string;

    // Rolling back the restored v1.4.0 goes to v1.3.0, never to the original v1.4.0 row.
    const second = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: restored, trigger_reason: 'still bad' });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.target_deployment.version).toBe('v1.3.0');
    await waitFor('the second rollback to finish', async () => ['succeeded', 'failed'].includes((await b.api('GET', `/api/rollbacks/${second.body.event_id}`, 'viewer')).body.status));
  });

  it('refuses, naming why, when the only earlier good deployments are the same build', async () => {
    const a = (await b.api('POST', '/api/deployments', 'ci', { service: 'search', environment: 'staging', version: 'v2.0.0', git_commit: 'ddd4444' })).body.deployment_id as string;
    await b.api('POST', `/api/deployments/${a}/complete`, 'ci', { status: 'success', health_check_passed: true });
    // The same build deployed again (a re-run of the pipeline), now misbehaving.
    const again = (await b.api('POST', '/api/deployments', 'ci', { service: 'search', environment: 'staging', version: 'v2.0.0', git_commit: 'ddd4444' })).body.deployment_id as string;
    const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: again, trigger_reason: 'errors' });
    expect(req.status, JSON.stringify(req.body)).toBe(422);
    expect(req.body.validation.violations.join('\n')).toMatch(/No valid rollback target found: no earlier deployment of search in staging passed its health check with a build other than v2\.0\.0 \(ddd4444\)/);
  });
});
