import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, spawnBackstop } from '../support/processes.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

// A worker process SIGKILLed at a random moment of each rollback (claim, validate, snapshot, execute, verify), over
// and over: every rollback must still end final, and the executor's side effect must never happen twice.

const SCRIPT = resolve('test/fixtures/rollback.sh');
const KILLS = Number(process.env.FAULT_KILLS ?? 25);

describe(`a worker SIGKILLed ${KILLS} times at random points`, () => {
  let b: Backstop;
  let effects: string;
  const children: Array<ReturnType<typeof spawnBackstop>> = [];

  beforeAll(async () => {
    effects = join(mkdtempSync(join(tmpdir(), 'backstop-kills-')), 'effects.log');
    b = await startBackstop({ policy: testPolicy({ executorArgv: [SCRIPT, effects, '0.5'], verifyWindow: '300ms', onNoData: 'pass' }), roles: { api: true, worker: false } });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await b?.close();
  });

  it('ends every rollback final with no double execution', async () => {
    const deploy = async (version: string, good: boolean) => {
      const id = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version, git_commit: 'abc1234' })).body.deployment_id as string;
      await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
      return id;
    };
    const spawnWorker = () => {
      const w = spawnBackstop('worker', b.childEnv);
      children.push(w);
      return w;
    };
    let worker = spawnWorker();
    const outcomes: Record<string, number> = {};
    const events: string[] = [];
    await deploy('v0', true);
    for (let i = 1; i <= KILLS; i++) {
      const bad = await deploy(`v${i}`, false);
      const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: `kill ${i}` });
      expect(req.status, JSON.stringify(req.body)).toBe(201);
      const eventId = req.body.event_id as string;
      events.push(eventId);
      await new Promise((r) => setTimeout(r, Math.random() * 1_500));
      worker.kill('SIGKILL');
      await exited(worker);
      worker = spawnWorker();
      const done = await waitFor(`rollback ${i} to end`, async () => {
        const e = (await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer')).body;
        return ['succeeded', 'failed'].includes(e.status) ? e : null;
      }, 60_000);
      outcomes[done.status] = (outcomes[done.status] ?? 0) + 1;
      // The next rollback restores this one's target again: record a fresh good deployment for it.
      await deploy(`v${i}-good`, true);
    }
    worker.kill('SIGTERM');
    await exited(worker);
    // Orphaned scripts from killed workers finish their side effect within a second.
    await new Promise((r) => setTimeout(r, 1_500));
    const lines = existsSync(effects) ? readFileSync(effects, 'utf8').trim().split('\n').filter(Boolean) : [];
    const perEvent = new Map<string, number>();
    for (const line of lines) perEvent.set(line.split(' ')[0]!, (perEvent.get(line.split(' ')[0]!) ?? 0) + 1);
    const doubles = [...perEvent.values()].filter((n) => n > 1).length;
    const final = (outcomes.succeeded ?? 0) + (outcomes.failed ?? 0);
    console.log(`killed a worker ${KILLS} times at random points; ${final}/${KILLS} rollbacks final (${outcomes.succeeded ?? 0} succeeded, ${outcomes.failed ?? 0} failed); ${doubles} double executions`);
    expect(final).toBe(KILLS);
    expect(doubles).toBe(0);
    // A succeeded rollback ran its executor exactly once.
    const stuck = await b.running.deps.pool.query(`select count(*)::int as n from ops.rollback_events where status not in ('succeeded', 'failed', 'rejected', 'expired', 'cancelled')`);
    expect(stuck.rows[0].n).toBe(0);
    for (const id of events) if (perEvent.get(id) === undefined) expect((await b.api('GET', `/api/rollbacks/${id}`, 'viewer')).body.status).toBe('failed');
  }, 600_000);
});
