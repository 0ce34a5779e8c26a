import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, waitFor, type Backstop } from '../support/harness.ts';
import { orphansSettled, sideEffects, starts } from '../support/faults/effects.ts';
import { WorkerFleet } from '../support/faults/fleet.ts';
import { fleetPolicy } from '../support/faults/policy.ts';
import { ensurePostgres, pgctl } from '../support/faults/postgres.ts';
import { deploy, executeSteps, settle, tally } from '../support/faults/rollbacks.ts';

// The machine's real PostgreSQL stopped and started again while rollbacks execute in a separate worker process and
// requests keep arriving (the fault suite runs alone, after the main suite: this disturbs anything else using it).
// While it is down every API call answers 503 with a message that says so, never a 500 and never a stack; once it
// is back every admitted rollback ends final, none executed twice, the worker process is still alive, and a new
// rollback goes through end to end.

const SCRIPT = resolve('test/fixtures/rollback.sh');
const SERVICES = Array.from({ length: 6 }, (_, i) => `p${i}`);
const AFTER = 'p-after'; // rolled back once the database is back

describe('PostgreSQL restarted mid-flow', () => {
  let b: Backstop;
  let fleet: WorkerFleet | undefined;
  let effects: string;

  beforeAll(async () => {
    await ensurePostgres();
    effects = join(mkdtempSync(join(tmpdir(), 'backstop-pg-restart-')), 'effects.log');
    b = await startBackstop({
      policy: fleetPolicy({ services: [...SERVICES, AFTER], executorArgv: [SCRIPT, effects, '1.5'], verifyWindow: '200ms' }),
      roles: { api: true, worker: false },
    });
  });
  afterAll(async () => {
    // Whatever happened above, leave PostgreSQL running for whatever comes next.
    await ensurePostgres();
    await fleet?.stop();
    await b?.close();
  }, 120_000);

  it('answers 503 while it is down and finishes every rollback once it is back', async () => {
    const started = Date.now();
    fleet = new WorkerFleet(b, 1);
    await fleet.ready();
    const bad = new Map<string, string>();
    for (const service of [...SERVICES, AFTER]) {
      await deploy(b, service, 'prod', 'v1', true);
      bad.set(service, await deploy(b, service, 'prod', 'v2', false));
    }
    const admitted = await Promise.all(SERVICES.map((s) => b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad.get(s), trigger_reason: `postgres restart ${s}` })));
    for (const r of admitted) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const events = admitted.map((r) => r.body.event_id as string);
    // The worker runs five at a time: stop once five scripts are executing (their side effect 1.5 s away), one job waits.
    await waitFor('five rollback scripts to start', async () => starts(effects).size >= 5, 30_000);
    const atStop = await b.running.deps.pool.query<{ status: string }>('select status::text from ops.rollback_events where event_id = any($1::uuid[])', [events]);

    pgctl('stop');
    const down: Array<{ what: string; status: number; text: string }> = [];
    const call = async (what: string, method: string, path: string, token: Parameters<Backstop['api']>[2], body?: unknown) => {
      const r = await b.api(method, path, token, body);
      down.push({ what, status: r.status, text: JSON.stringify(r.body) });
    };
    // At least five rounds, and on until the scripts executing at the stop have finished into the outage.
    const scriptsFinished = () => [...starts(effects).keys()].every((key) => sideEffects(effects).has(key));
    for (let i = 0; i < 5 || (!scriptsFinished() && i < 100); i++) {
      await Promise.all([
        call('health', 'GET', '/health', null),
        call('record deployment', 'POST', '/api/deployments', 'ci', { service: 'p0', environment: 'prod', version: `down${i}`, git_commit: 'abc1234' }),
        call('request rollback', 'POST', '/api/rollbacks', 'alice', { deployment_id: bad.get(AFTER), trigger_reason: 'while the database is down' }),
        call('approve', 'POST', `/api/rollbacks/${events[0]}/approvals`, 'bob', { decision: 'approve', reason: 'while the database is down' }),
        call('read rollback', 'GET', `/api/rollbacks/${events[1]}`, 'viewer'),
        call('history', 'GET', '/api/rollbacks?limit=5', 'viewer'),
      ]);
      // Paces the traffic during the outage (a round every 300 ms, like steady use); it waits for nothing.
      await new Promise((r) => setTimeout(r, 300));
    }
    pgctl('start');
    await ensurePostgres();

    // 503 everywhere, each saying the database is unreachable, and nothing that looks like a stack trace.
    const clear = (d: (typeof down)[number]) => {
      const body = JSON.parse(d.text);
      return d.what === 'health' ? body.database?.ok === false && Boolean(body.database.error) : body.error?.code === 'DATABASE_UNAVAILABLE' && /database/i.test(body.error.message);
    };
    const wrong = down.filter((d) => d.status !== 503 || !clear(d) || /\n\s+at |\.ts:\d+/.test(d.text));
    expect(wrong.map((d) => `${d.what}: ${d.status} ${d.text}`)).toEqual([]);
    const messages = new Set(down.map((d) => (JSON.parse(d.text).error?.message as string | undefined) ?? `health: ${JSON.parse(d.text).database?.error}`));

    const final = await settle(b, events, 120_000);
    await orphansSettled(effects);
    const crashed = fleet.all.filter((w) => w.exitCode !== null || w.signalCode !== null);
    const done = sideEffects(effects);
    const began = starts(effects);
    const steps = await executeSteps(b, events);
    const doubles = events.filter((id) => (done.get(id) ?? 0) > 1 || (began.get(id) ?? 0) > 1);

    // The API works again: health, and a new rollback from request to success.
    const health = await b.api('GET', '/health', null);
    const again = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad.get(AFTER), trigger_reason: 'after the restart' });
    const againFinal = again.status === 201 ? (await settle(b, [again.body.event_id], 60_000)).get(again.body.event_id) : `HTTP ${again.status}`;

    const finalCount = events.filter((id) => ['succeeded', 'failed'].includes(final.get(id) ?? '')).length;
    console.log(
      `restarted PostgreSQL mid-flow (rollbacks at the stop: ${tally(atStop.rows.map((r) => r.status))}): ${finalCount}/${events.length} rollbacks final ` +
        `(${tally(final.values())}); ${doubles.length} double executions (execute steps: ${tally(steps.map((r) => r.execute ?? 'never begun'))}); ${down.length} calls while down, ${down.filter((d) => d.status === 503).length} answered 503 ` +
        `(${[...messages].join(' | ')}); worker process ${crashed.length ? 'CRASHED' : 'survived'}; /health ${health.status} after; ` +
        `a new rollback after the restart ${againFinal}; ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    expect(crashed.map((w) => w.output().slice(-2_000))).toEqual([]);
    expect([...final].filter(([, s]) => s !== 'succeeded' && s !== 'failed')).toEqual([]);
    expect(doubles).toEqual([]);
    expect([...done.keys()].filter((k) => events.includes(k)).sort()).toEqual([...began.keys()].filter((k) => events.includes(k)).sort());
    // An execute that finished normally did its side effect exactly once. (One the database outage interrupted is
    // never started again: at most once, which the doubles check covers.)
    expect(steps.filter((r) => r.execute === 'done' && done.get(r.event_id) !== 1).map((r) => r.event_id)).toEqual([]);
    expect(health.status).toBe(200);
    expect(againFinal).toBe('succeeded');
  }, 280_000);
});
