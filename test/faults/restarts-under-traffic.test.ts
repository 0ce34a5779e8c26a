import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, TOKENS, waitFor, type Backstop } from '../support/harness.ts';
import { exited, exitedWithin, freePort, spawnBackstop, startRedis } from '../support/processes.ts';
import { orphansSettled, sideEffects, starts } from '../support/faults/effects.ts';
import { WorkerFleet } from '../support/faults/fleet.ts';
import { fleetPolicy } from '../support/faults/policy.ts';
import { ensurePostgres, pgctl } from '../support/faults/postgres.ts';
import { executeSteps, settle, tally } from '../support/faults/rollbacks.ts';

// The bad day as an operator has it: PostgreSQL *restarted* (not only stopped) three times and Redis twice, while six
// clients write over HTTP and rollbacks run. backstop runs as real processes (`backstop api` and `backstop worker`),
// because what broke was the process itself: a restart terminates connections that are checked out inside a
// transaction, and a pg client with no 'error' listener turns that into an unhandled 'error' event that kills it.
// After each restart every process must be alive and answering; at the end every rollback is final and ran once.

const SCRIPT = resolve('test/fixtures/rollback.sh');
const CLIENTS = 6;
const SERVICES = Array.from({ length: CLIENTS }, (_, i) => `w${i}`);

type Answer = { status: number; body: any };

describe('PostgreSQL and Redis restarted under write traffic', () => {
  let b: Backstop;
  let redis: ChildProcess | undefined;
  let redisPort: number;
  let api: ReturnType<typeof spawnBackstop> | undefined;
  let apiUrl: string;
  let fleet: WorkerFleet | undefined;
  let effects: string;

  beforeAll(async () => {
    await ensurePostgres();
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    effects = join(mkdtempSync(join(tmpdir(), 'backstop-restarts-')), 'effects.log');
    // The harness only provides the database, the queue prefix and the policy: every role runs as a child process.
    b = await startBackstop({
      policy: fleetPolicy({ services: [...SERVICES, ...SERVICES.map((s) => `${s}-side`)], approvals: 2, executorArgv: [SCRIPT, effects, '0.3'], verifyWindow: '200ms' }),
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      roles: { api: false, worker: false },
    });
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    api = spawnBackstop('api', { ...b.childEnv, PORT: String(port), LOG_LEVEL: 'info' });
    fleet = new WorkerFleet(b, 1);
    await fleet.ready();
    await waitFor('the api process to answer', async () => (await call('GET', '/health', null)).status === 200, 30_000, 100);
  }, 120_000);
  afterAll(async () => {
    await ensurePostgres();
    if (api && api.exitCode === null && api.signalCode === null) {
      api.kill('SIGTERM');
      if (!(await exitedWithin(api, 35_000))) api.kill('SIGKILL');
    }
    await fleet?.stop();
    await b?.close();
    redis?.kill('SIGKILL');
  }, 120_000);

  async function call(method: string, path: string, token: keyof typeof TOKENS | null, body?: unknown): Promise<Answer> {
    try {
      const res = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${TOKENS[token]}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      try {
        return { status: res.status, body: JSON.parse(text) };
      } catch {
        return { status: res.status, body: text };
      }
    } catch (err) {
      // No answer at all: the process is gone or hung. Status 0 marks it, with undici's cause (reset, refused, closed).
      const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
      return { status: 0, body: `${(err as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''} at ${new Date().toISOString()}` };
    }
  }

  const alive = (p: ChildProcess | undefined) => Boolean(p) && p!.exitCode === null && p!.signalCode === null;

  it('keeps every process alive and answering, and ends every rollback final and executed once', async () => {
    const started = Date.now();
    const answers: Array<{ what: string; status: number; text: string }> = [];
    const events: string[] = [];
    let okWrites = 0;
    let stop = false;
    const note = (what: string, a: Answer) => {
      answers.push({ what, status: a.status, text: typeof a.body === 'string' ? a.body : JSON.stringify(a.body) });
      if (a.status >= 200 && a.status < 300) okWrites++;
      return a;
    };

    // One client per service: record a good and a bad deployment, push samples, ask for a rollback and approve it,
    // then wait for it to end before the next round (one active rollback per service and environment).
    const client = async (service: string) => {
      for (let round = 0; !stop; round++) {
        const good = note('deploy', await call('POST', '/api/deployments', 'ci', { service, environment: 'prod', version: `g${round}`, git_commit: 'abc1234' }));
        if (good.status !== 201) continue;
        const done = note('complete', await call('POST', `/api/deployments/${good.body.deployment_id}/complete`, 'ci', { status: 'success', health_check_passed: true }));
        if (done.status !== 200) continue;
        const bad = note('deploy', await call('POST', '/api/deployments', 'ci', { service, environment: 'prod', version: `b${round}`, git_commit: 'def5678' }));
        if (bad.status !== 201) continue;
        note('sample', await call('POST', `/api/deployments/${bad.body.deployment_id}/health`, 'ci', { error_rate_per_minute: 0.5 }));
        const req = note('request', await call('POST', '/api/rollbacks', 'alice', { deployment_id: bad.body.deployment_id, trigger_reason: `bad day ${service} ${round}` }));
        if (req.status !== 201) continue;
        const eventId = req.body.event_id as string;
        events.push(eventId);
        // An approval the outage refused is asked again: the rollback must not be left waiting because of it.
        for (let tries = 0; tries < 40; tries++) {
          const a = note('approve', await call('POST', `/api/rollbacks/${eventId}/approvals`, 'bob', { decision: 'approve', reason: 'go' }));
          if (a.status === 200 || a.status === 409) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        const deadline = Date.now() + 30_000;
        while (!stop && Date.now() < deadline) {
          const s = await call('GET', `/api/rollbacks/${eventId}`, 'viewer');
          if (s.status === 200 && ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'].includes(s.body.status)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    // And six writers with no pause: each deployment they record is a transaction with an audit row, so at any moment
    // some pooled connections are checked out mid-transaction, which is what a restart used to turn into a crash.
    const writer = async (service: string) => {
      for (let n = 0; !stop; n++) {
        note('side deploy', await call('POST', '/api/deployments', 'ci', { service: `${service}-side`, environment: 'prod', version: `s${n}`, git_commit: 'abc1234' }));
      }
    };
    const traffic = Promise.all([...SERVICES.map(client), ...SERVICES.map(writer)]);

    const checks: string[] = [];
    const afterRestart = async (what: string) => {
      // Alive, answering, and doing work again: writes succeed after the restart.
      const before = okWrites;
      await waitFor(`${what}: the api to answer /health 200`, async () => alive(api) && (await call('GET', '/health', null)).status === 200, 60_000, 100);
      await waitFor(`${what}: writes to succeed again`, async () => okWrites >= before + 50 || !alive(api), 60_000, 100);
      checks.push(`${what}: api ${alive(api) ? 'alive' : 'DEAD'}, workers ${fleet!.all.every(alive) ? 'alive' : 'DEAD'}`);
      expect(alive(api), api!.output().slice(-3_000)).toBe(true);
      expect(fleet!.all.filter((w) => !alive(w)).map((w) => w.output().slice(-3_000))).toEqual([]);
    };

    await waitFor('traffic to get going', async () => okWrites >= 30 && events.length >= 3, 60_000, 50);
    for (let i = 1; i <= 3; i++) {
      pgctl('restart');
      await ensurePostgres();
      await afterRestart(`PostgreSQL restart ${i}`);
    }
    for (let i = 1; i <= 2; i++) {
      redis!.kill('SIGKILL');
      await exited(redis!);
      redis = await startRedis(redisPort);
      await afterRestart(`Redis restart ${i}`);
    }
    stop = true;
    await traffic;

    const final = await settle(b, events, 120_000);
    await orphansSettled(effects);
    const done = sideEffects(effects);
    const began = starts(effects);
    const steps = await executeSteps(b, events);
    const doubles = events.filter((id) => (done.get(id) ?? 0) > 1 || (began.get(id) ?? 0) > 1);
    const unanswered = answers.filter((a) => a.status === 0);
    const wrong = answers.filter((a) => a.status >= 500 && a.status !== 503);
    console.log(
      `${checks.join('; ')}. ${answers.length} requests (${tally(answers.map((a) => String(a.status)))}), ${unanswered.length} unanswered; ` +
        `${events.length} rollbacks (${tally(final.values())}; execute steps: ${tally(steps.map((r) => r.execute ?? 'never begun'))}); ` +
        `${doubles.length} double executions; ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    expect(unanswered.map((a) => `${a.what}: ${a.text}`)).toEqual([]);
    expect(wrong.map((a) => `${a.what}: ${a.status} ${a.text}`)).toEqual([]);
    expect([...final].filter(([, s]) => !['succeeded', 'failed', 'rejected', 'expired', 'cancelled'].includes(s))).toEqual([]);
    expect(final.size).toBe(events.length);
    expect(doubles).toEqual([]);
    // A succeeded rollback ran its script exactly once: "succeeded" is never said of one that did not run.
    expect(events.filter((id) => final.get(id) === 'succeeded' && done.get(id) !== 1)).toEqual([]);
    expect(alive(api)).toBe(true);
    expect(fleet!.all.filter((w) => !alive(w))).toEqual([]);
  }, 420_000);
});
