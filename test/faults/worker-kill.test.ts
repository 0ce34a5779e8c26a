import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, type Backstop } from '../support/harness.ts';
import { orphansSettled, sideEffects, starts } from '../support/faults/effects.ts';
import { WorkerFleet } from '../support/faults/fleet.ts';
import { fleetPolicy } from '../support/faults/policy.ts';
import { deploy, executeSteps, settle, tally } from '../support/faults/rollbacks.ts';

// Five services rolled back side by side by a fleet of three worker processes. Every rollback gets its worker
// SIGKILLed at a random moment 0–1.5 s after approval (queue, claim, validate, snapshot, execute or verify), and the
// fleet replaces it. A kill also hits whatever else that worker held, so some rollbacks are interrupted more than
// once. Every rollback must end final, and no executor side effect may happen twice.

const SCRIPT = resolve('test/fixtures/rollback.sh');
const LANES = Array.from({ length: 5 }, (_, i) => `k${i}`);
const ROUNDS = 5;
const KILLS = LANES.length * ROUNDS;

describe(`${KILLS} rollbacks, each with its worker SIGKILLed at a random step`, () => {
  let b: Backstop;
  let fleet: WorkerFleet | undefined;
  let effects: string;

  beforeAll(async () => {
    effects = join(mkdtempSync(join(tmpdir(), 'backstop-worker-kill-')), 'effects.log');
    // The script takes 0.6 s and verification 0.4 s, so the 0–1.5 s kill window covers the whole pipeline.
    // Workers run as child processes only (worker: false here); short lock and stall intervals come from childEnv.
    b = await startBackstop({
      policy: fleetPolicy({ services: LANES, executorArgv: [SCRIPT, effects, '0.6'], verifyWindow: '400ms' }),
      roles: { api: true, worker: false },
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    await b?.close();
  });

  it('ends every rollback final and executes none twice', async () => {
    fleet = new WorkerFleet(b, 3);
    await fleet.ready();
    const started = Date.now();
    const events: string[] = [];
    const stages: string[] = [];
    const stuck: string[] = [];

    const lane = async (service: string) => {
      await deploy(b, service, 'prod', 'v0', true);
      for (let round = 1; round <= ROUNDS; round++) {
        const bad = await deploy(b, service, 'prod', `v${round}`, false);
        const req = await b.api('POST', '/api/rollbacks', 'alice', { deployment_id: bad, trigger_reason: `worker kill ${service} ${round}` });
        expect(req.status, JSON.stringify(req.body)).toBe(201);
        expect(req.body.status).toBe('approved');
        const eventId = req.body.event_id as string;
        events.push(eventId);
        // A random moment in the rollback's life to kill at (the spread is the point): it waits for nothing.
        await new Promise((r) => setTimeout(r, Math.random() * 1_500));
        stages.push(await fleet!.killFor(eventId));
        const status = (await settle(b, [eventId], 60_000)).get(eventId);
        if (status !== 'succeeded' && status !== 'failed') {
          stuck.push(`${eventId} (${service} round ${round}) is ${status}`);
          return; // the next request would only answer "already in progress"
        }
        // The next round's bad deployment needs a good one to roll back to.
        await deploy(b, service, 'prod', `v${round}-good`, true);
      }
    };
    await Promise.all(LANES.map(lane));
    await fleet.stop();
    await orphansSettled(effects);

    const rows = await executeSteps(b, events);
    const done = sideEffects(effects);
    const began = starts(effects);
    const doubles = events.filter((id) => (done.get(id) ?? 0) > 1 || (began.get(id) ?? 0) > 1);
    const final = rows.filter((r) => r.status === 'succeeded' || r.status === 'failed');
    // An executor that finished normally ('done') did its side effect exactly once.
    const doneWithoutEffect = rows.filter((r) => r.execute === 'done' && done.get(r.event_id) !== 1);
    // An interrupted one was never started again; its one script ran on as an orphan (or died with the worker
    // before its first line: then no side effect, and verification decided the outcome).
    const interrupted = rows.filter((r) => r.execute === 'interrupted');
    const interruptedBeforeEffect = interrupted.filter((r) => !done.has(r.event_id)).length;

    console.log(
      `killed worker ${KILLS} times at random steps (${tally(stages)}); ${final.length}/${KILLS} rollbacks final (${tally(rows.map((r) => r.status))}); ` +
        `${doubles.length} double executions; ${interrupted.length} executes interrupted and not re-run (${interruptedBeforeEffect} of them before the side effect); ` +
        `${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    expect(stuck).toEqual([]);
    expect(final).toHaveLength(KILLS);
    expect(doubles).toEqual([]);
    expect(doneWithoutEffect.map((r) => r.event_id)).toEqual([]);
    // Every side effect belongs to a started script, and every started script finished its side effect.
    expect([...done.keys()].sort()).toEqual([...began.keys()].sort());
  }, 280_000);
});
