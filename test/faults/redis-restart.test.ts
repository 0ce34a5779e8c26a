import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, freePort, startRedis } from '../support/processes.ts';
import { startBackstop, waitFor, type Backstop } from '../support/harness.ts';

// Redis restarted (losing every queued job: it runs without persistence) while rollbacks are running and more are
// being requested. Requests during the outage are admitted and told the queue is down; afterwards the reconciler
// re-enqueues from Postgres and every rollback ends final, each executed once.

const SCRIPT = resolve('test/fixtures/rollback.sh');
const SERVICES = Array.from({ length: 10 }, (_, i) => `r${i}`);

describe('Redis restarted mid-flow', () => {
  let b: Backstop;
  let redis: ChildProcess;
  let port: number;
  let effects: string;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    effects = join(mkdtempSync(join(tmpdir(), 'backstop-redis-restart-')), 'effects.log');
    b = await startBackstop({
      policy: `
api: { tokens: { ci: { roles: [deployer] }, alice: { roles: [approver] }, viewer: { roles: [viewer] } } }
defaults: { rules: [], approvals: { required: 1 }, verification: { window: 200ms, interval: 100ms, on_no_data: pass } }
environments: { prod: {} }
services:
${SERVICES.map((s) => `  ${s}: { environments: [prod], executor: { kind: command, argv: ${JSON.stringify([SCRIPT, effects, '1'])}, timeout: 20s } }`).join('\n')}
`,
      redisUrl: `redis://127.0.0.1:${port}`,
    });
  });
  afterAll(async () => {
    await b?.close();
    redis?.kill('SIGKILL');
  });

  it('ends every rollback final, each executed at most once', async () => {
    const bad: string[] = [];
    for (const service of SERVICES) {
      for (const [version, good] of [['v1', true], ['v2', false]] as const) {
        const id = (await b.api('POST', '/api/deployments', 'ci', { service, environment: 'prod', version, git_commit: 'abc1234' })).body.deployment_id as string;
        await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
        if (!good) bad.push(id);
      }
    }
    const request = (id: string) => b.api('POST', '/api/rollbacks', 'alice', { deployment_id: id, trigger_reason: 'redis restart' });
    // Half before the outage (some will be running when Redis dies) ...
    const before = await Promise.all(bad.slice(0, 5).map(request));
    await new Promise((r) => setTimeout(r, 500));
    redis.kill('SIGKILL');
    await exited(redis);
    // ... half while Redis is down.
    const during = await Promise.all(bad.slice(5).map(request));
    const health = await b.api('GET', '/health', null);
    expect(health.status).toBe(503);
    for (const r of [...before, ...during]) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const toldDown = during.filter((r) => r.body.enqueued === false).length;
    expect(toldDown).toBe(during.length);
    await new Promise((r) => setTimeout(r, 1_500));
    redis = await startRedis(port);

    const events = [...before, ...during].map((r) => r.body.event_id as string);
    await waitFor('every rollback to end', async () => {
      const rows = await b.running.deps.pool.query(`select count(*)::int as n from ops.rollback_events where event_id = any($1::uuid[]) and status in ('succeeded', 'failed')`, [events]);
      return rows.rows[0].n === events.length;
    }, 90_000, 250);
    await new Promise((r) => setTimeout(r, 1_500));
    const lines = readFileSync(effects, 'utf8').trim().split('\n');
    const perEvent = new Map<string, number>();
    for (const l of lines) perEvent.set(l.split(' ')[0]!, (perEvent.get(l.split(' ')[0]!) ?? 0) + 1);
    const doubles = [...perEvent.values()].filter((n) => n > 1).length;
    const statuses = await b.running.deps.pool.query(`select status, count(*)::int as n from ops.rollback_events where event_id = any($1::uuid[]) group by status`, [events]);
    console.log(`restarted Redis mid-flow: ${events.length}/${events.length} rollbacks final (${statuses.rows.map((r) => `${r.n} ${r.status}`).join(', ')}); ${doubles} double executions; ${toldDown} requests told the queue was down while it was`);
    expect(doubles).toBe(0);
  }, 180_000);
});
