import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRollback } from '../../src/pipeline/run-rollback.ts';
import { exited } from '../support/processes.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

// The execute step records the executor's start in two durable phases: 'spawning' before anything starts, 'started'
// (with the pid or acknowledgement) after. A worker can die at any point; each case below leaves the ledger exactly
// as that death would, then lets a new worker (runRollback) take over, and checks what it does.

const SCRIPT = resolve('test/fixtures/rollback.sh');

describe('execute: a worker killed at each point of the two phases', () => {
  let b: Backstop;
  let effects: string;
  let round = 0;

  beforeAll(async () => {
    effects = join(mkdtempSync(join(tmpdir(), 'backstop-phases-')), 'effects.log');
    b = await startBackstop({
      policy: testPolicy({ executorArgv: [SCRIPT, effects, '0'], verifyWindow: '300ms', onNoData: 'pass' }),
      roles: { api: true, worker: false },
    });
  });
  afterAll(async () => {
    await b?.close();
  });

  const count = (file: string, eventId: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.includes(eventId)).length : 0);

  /** An approved staging rollback whose validate and snapshot are done and whose execute entry is `execute`. */
  async function rollbackLeftAt(execute: Record<string, unknown>): Promise<string> {
    round++;
    const deploy = async (version: string, good: boolean) => {
      const id = (await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version, git_commit: good ? 'abc1234' : 'def5678' })).body.deployment_id;
      await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
      return id as string;
    };
    await deploy(`v${round}.0.0`, true);
    const bad = await deploy(`v${round}.0.1`, false);
    const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: 'phases' });
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    const eventId = req.body.event_id as string;
    const at = new Date().toISOString();
    const steps = [
      { step: 'validate', status: 'done', attempt: 1, started_at: at, finished_at: at, duration_ms: 0 },
      { step: 'snapshot', status: 'done', attempt: 1, started_at: at, finished_at: at, duration_ms: 0 },
      { step: 'execute', status: 'running', attempt: 1, started_at: at, ...execute },
    ];
    await b.running.deps.pool.query(`update ops.rollback_events set status = 'running', claim_fence = 1, rollback_steps = $2::jsonb where event_id = $1`, [eventId, JSON.stringify(steps)]);
    return eventId;
  }

  async function takeOver(eventId: string) {
    expect(await runRollback(b.running.deps, eventId, 'test:0:next')).toBe('finished');
    const { rows } = await b.running.deps.pool.query('select status::text, status_reason, rollback_steps from ops.rollback_events where event_id = $1', [eventId]);
    const row = rows[0] as { status: string; status_reason: string | null; rollback_steps: Array<{ step: string; status: string; detail?: Record<string, unknown> }> };
    return { ...row, execute: row.rollback_steps.find((s) => s.step === 'execute')! };
  }

  it('killed after "spawning" was recorded, before the spawn: nothing started, so the next worker runs it once', async () => {
    const eventId = await rollbackLeftAt({ detail: { phase: 'spawning' } });
    const after = await takeOver(eventId);
    expect(after.status, JSON.stringify(after)).toBe('succeeded');
    expect(after.status_reason).toBeNull();
    expect(after.execute.status).toBe('done');
    expect(after.execute.detail).toMatchObject({ phase: 'started', started: { pid: expect.any(Number) } });
    expect(count(`${effects}.started`, eventId)).toBe(1);
    expect(count(effects, eventId)).toBe(1);
  });

  it('killed after the spawn, before "started" was recorded: the gate never runs the program, and the next worker runs it once', async () => {
    const eventId = await rollbackLeftAt({ detail: { phase: 'spawning' } });
    // A real process that spawns the executor and SIGKILLs itself inside onStarted: the ledger stays 'spawning'.
    const pidFile = join(mkdtempSync(join(tmpdir(), 'backstop-gate-')), 'pid');
    const child = spawn(process.execPath, [resolve('bin/run-ts.mjs'), 'test/support/crash/start-then-die.ts', pidFile, SCRIPT, effects, '0'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
      stdio: 'ignore',
    });
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');
    const gatePid = Number(readFileSync(pidFile, 'utf8'));
    expect(gatePid).toBeGreaterThan(0);
    // The spawned gate outlives its parent only until it reads end-of-file: then it exits without running anything.
    await waitFor('the orphaned gate to exit', async () => {
      try {
        process.kill(gatePid, 0);
        return false;
      } catch {
        return true;
      }
    });
    // The crash helper's request (test/support/execution-request.ts's event id) never ran.
    expect(count(`${effects}.started`, '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c')).toBe(0);

    const after = await takeOver(eventId);
    expect(after.status, JSON.stringify(after)).toBe('succeeded');
    expect(after.execute.status).toBe('done');
    expect(count(`${effects}.started`, eventId)).toBe(1);
    expect(count(effects, eventId)).toBe(1);
  });

  it('killed after "started" was recorded (running, or finished but not yet written): not started again; healthy → succeeded, saying the outcome is unknown', async () => {
    const eventId = await rollbackLeftAt({ detail: { phase: 'started', started: { pid: 4242, at: new Date().toISOString() } } });
    const after = await takeOver(eventId);
    expect(after.status, JSON.stringify(after)).toBe('succeeded');
    expect(after.status_reason).toBe('executor outcome unknown: the worker died after starting it; health is good');
    expect(after.execute.status).toBe('interrupted');
    expect(after.execute.detail).toMatchObject({ started: { pid: 4242 }, note: expect.stringContaining('pid 4242') });
    expect(count(`${effects}.started`, eventId)).toBe(0);
    const outcome = b.notifier.notices.find((n) => n.eventId === eventId && n.kind === 'succeeded');
    expect(outcome?.summary).toContain('executor outcome unknown: the worker died after starting it; health is good');
  });

  it('killed after "started", and health is bad: failed, not started again', async () => {
    const eventId = await rollbackLeftAt({ detail: { phase: 'started', started: { pid: 4243, at: new Date().toISOString() } } });
    const sampling = setInterval(() => {
      void b.running.deps.pool.query(
        `insert into ops.health_samples (deployment_id, source, observed_at, error_rate_per_minute)
         select target_deployment_id, 'push', now(), 50 from ops.rollback_events where event_id = $1`,
        [eventId],
      );
    }, 50);
    try {
      const after = await takeOver(eventId);
      expect(after.status, JSON.stringify(after)).toBe('failed');
      expect(after.execute.status).toBe('interrupted');
      expect(count(`${effects}.started`, eventId)).toBe(0);
    } finally {
      clearInterval(sampling);
    }
  });

  it('an execute entry with no record of a start (an older ledger) is never called succeeded, however healthy', async () => {
    const eventId = await rollbackLeftAt({});
    const after = await takeOver(eventId);
    expect(after.execute.status).toBe('interrupted');
    expect(after.status, JSON.stringify(after)).toBe('failed');
    expect(after.status_reason).toBe('the executor is not known to have started, so nothing was rolled back');
    expect(count(`${effects}.started`, eventId)).toBe(0);
  });
});
