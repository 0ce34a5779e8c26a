import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, freePort, startRedis } from '../support/processes.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

const SCRIPT = resolve('test/fixtures/rollback.sh');

describe('Redis stopped while a rollback is requested', () => {
  let b: Backstop;
  let redis: ChildProcess;
  let port: number;
  let sideEffects: string;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    sideEffects = join(mkdtempSync(join(tmpdir(), 'backstop-redis-')), 'effects.log');
    b = await startBackstop({ policy: testPolicy({ executorArgv: [SCRIPT, sideEffects], onNoData: 'pass' }), redisUrl: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await b?.close();
    redis?.kill('SIGKILL');
  });

  it('admits the request, says the queue is down, and runs it once Redis returns', async () => {
    const deploy = async (version: string, good: boolean) => {
      const id = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version, git_commit: 'abc1234' })).body.deployment_id;
      await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
      return id as string;
    };
    await deploy('v1.0.0', true);
    const bad = await deploy('v1.0.1', false);

    redis.kill('SIGKILL');
    await exited(redis);
    const health = await b.api('GET', '/health', null);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', database: { ok: true }, redis: { ok: false } });

    const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'redis is down' });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    expect(req.body).toMatchObject({ success: true, status: 'approved', enqueued: false });
    const eventId = req.body.event_id as string;
    expect((await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer')).body.status).toBe('approved');

    redis = await startRedis(port);
    const done = await waitFor(
      'the rollback to run after Redis returns',
      async () => {
        const r = await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer');
        return ['succeeded', 'failed'].includes(r.body.status) ? r.body : null;
      },
      30_000,
    );
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    expect(readFileSync(sideEffects, 'utf8').trim().split('\n')).toEqual([`${eventId} v1.0.0`]);
  }, 60_000);
});
