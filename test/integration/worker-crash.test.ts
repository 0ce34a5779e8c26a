import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orphansSettled } from '../support/faults/effects.ts';
import { exited, spawnBackstop } from '../support/processes.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

const SCRIPT = resolve('test/fixtures/rollback.sh');

describe('a worker killed with SIGKILL during execute', () => {
  let b: Backstop;
  let sideEffects: string;
  const children: Array<ReturnType<typeof spawnBackstop>> = [];

  beforeAll(async () => {
    sideEffects = join(mkdtempSync(join(tmpdir(), 'backstop-crash-')), 'effects.log');
    // The API runs here; workers run as real child processes that the test kills.
    b = await startBackstop({ policy: testPolicy({ executorArgv: [SCRIPT, sideEffects, '2'], verifyWindow: '500ms' }), roles: { api: true, worker: false } });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await b?.close();
  });

  it('still ends final, and the executor side effect happened exactly once', async () => {
    const deploy = async (version: string, good: boolean) => {
      const id = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version, git_commit: 'abc1234' })).body.deployment_id;
      await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
      return id as string;
    };
    const good = await deploy('v1.0.0', true);
    const bad = await deploy('v1.0.1', false);

    const first = spawnBackstop('worker', b.childEnv);
    children.push(first);
    const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'crash test' });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    const eventId = req.body.event_id as string;

    // The script has started (its side effect is 2 s away): kill the worker now.
    await waitFor('the executor to start', async () => existsSync(`${sideEffects}.started`), 20_000);
    first.kill('SIGKILL');
    await exited(first);

    const second = spawnBackstop('worker', b.childEnv);
    children.push(second);
    const healthy = setInterval(() => void b.api('POST', `/api/deployments/${good}/health`, 'ci', { error_rate_per_minute: 0.1 }), 100);
    try {
      const done = await waitFor(
        'the rollback to become final',
        async () => {
          const r = await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer');
          return ['succeeded', 'failed'].includes(r.body.status) ? r.body : null;
        },
        30_000,
      );
      expect(done.status, `${JSON.stringify(done)}\n${second.output()}`).toBe('succeeded');
      const execute = done.rollback_steps.find((s: { step: string }) => s.step === 'execute');
      expect(execute.status).toBe('interrupted');
    } finally {
      clearInterval(healthy);
    }
    // Count once nothing more can happen: the orphaned script has finished, and the queue holds no job that could
    // start the executor again. Then: one start, one side effect.
    await waitFor('the side effect', async () => existsSync(sideEffects), 10_000);
    await orphansSettled(sideEffects);
    await waitFor('the rollback queue to hold no job', async () => {
      const counts = await (await b.running.deps.rollbackQueue.queue()).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    });
    expect(readFileSync(`${sideEffects}.started`, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(readFileSync(sideEffects, 'utf8').trim().split('\n')).toEqual([`${eventId} v1.0.0`]);
    second.kill('SIGTERM');
    await exited(second);
  }, 60_000);
});
