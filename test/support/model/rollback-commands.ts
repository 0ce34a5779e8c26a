import type fc from 'fast-check';
import { expect } from 'vitest';
import { runRollback } from '../../../src/pipeline/run-rollback.ts';
import { cancelRollback, expireOverdue } from '../../../src/admission/cancel-rollback.ts';
import { decideRollback } from '../../../src/admission/decide-rollback.ts';
import { requestRollback } from '../../../src/admission/request-rollback.ts';
import { checkInvariants, checkVerdicts } from './rollback-invariants.ts';
import * as model from './rollback-model.ts';
import type { Crash, Metric, Migration, Model, Person, PersonRole } from './rollback-model.ts';
import { actor, attempt, crashingDeps, describeAttempt, errorCode, sideEffects, WorkerDied, type World } from './rollback-world.ts';

// Each command applies one action to the model and to the real system, compares the outcomes, then compares every
// event of the run with the model and checks the invariants against the database.

type Cmd = fc.AsyncCommand<Model, World>;

abstract class Step implements Cmd {
  abstract readonly kind: string;
  check(_m: Readonly<Model>): boolean {
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    w.stats.commands[this.kind] = (w.stats.commands[this.kind] ?? 0) + 1;
    w.stats.steps++;
    await this.perform(m, w);
  }
  /** The step itself, then the comparison and the invariants; also used (uncounted) to settle a run. */
  async perform(m: Model, w: World): Promise<void> {
    await this.apply(m, w);
    await compareWithModel(m, w);
    await checkInvariants(w);
    await checkVerdicts(w, m);
  }
  protected abstract apply(m: Model, w: World): Promise<void>;
  abstract toString(): string;
}

const who = (p: Person, roles: readonly PersonRole[]) => `${p}[${roles.join(',')}]`;
const latestId = (w: World) => w.eventIds.at(-1)!;

export class RequestCmd extends Step {
  readonly kind = 'request';
  constructor(readonly person: Person, readonly roles: PersonRole[], readonly override: boolean) {
    super();
  }
  async apply(m: Model, w: World) {
    const expected = model.request(m, this.person, this.roles, this.override);
    const got = await attempt(() =>
      requestRollback(w.deps, { deploymentId: w.ids.v3, reason: `${this.person} asks`, triggerType: 'manual', requester: actor(this.person, this.roles), override: this.override }),
    );
    const seen = describeAttempt(got);
    if (expected.kind === 'forbidden' || expected.kind === 'conflict') {
      expect(errorCode(got), `request: expected ${expected.kind}, got ${seen}`).toBe(expected.kind.toUpperCase());
      return;
    }
    expect(got.ok, `request: expected ${expected.kind}, got ${seen}`).toBe(true);
    const outcome = (got as { value: Awaited<ReturnType<typeof requestRollback>> }).value;
    expect(outcome.kind, `request: ${seen}`).toBe(expected.kind);
    if (expected.kind === 'already_in_progress') expect(outcome.event.eventId).toBe(w.eventIds[expected.index]);
    else w.eventIds.push(outcome.event.eventId);
  }
  toString() {
    return `request(${who(this.person, this.roles)}${this.override ? ', override' : ''})`;
  }
}

export class VoteCmd extends Step {
  readonly kind = 'vote';
  constructor(readonly person: Person, readonly roles: PersonRole[], readonly decision: 'approve' | 'reject', readonly override: boolean) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.events.length > 0;
  }
  async apply(m: Model, w: World) {
    const expected = model.decide(m, this.person, this.roles, this.decision, this.override);
    const got = await attempt(() =>
      decideRollback(w.deps, { eventId: latestId(w), actor: actor(this.person, this.roles), decision: this.decision, reason: `${this.person} says ${this.decision}`, override: this.override }),
    );
    const seen = describeAttempt(got);
    expect(got.ok, `vote: ${seen}`).toBe(true);
    const outcome = (got as { value: Awaited<ReturnType<typeof decideRollback>> }).value;
    expect(outcome.kind, `vote: expected ${JSON.stringify(expected)}, got ${seen}`).toBe(expected.kind);
    if (expected.kind === 'refused' && outcome.kind === 'refused') expect(outcome.code, `vote: ${seen}`).toBe(expected.code);
  }
  toString() {
    return `${this.decision}(${who(this.person, this.roles)}${this.override ? ', override' : ''})`;
  }
}

export class CancelCmd extends Step {
  readonly kind = 'cancel';
  constructor(readonly person: Person, readonly roles: PersonRole[]) {
    super();
  }
  override check(m: Readonly<Model>) {
    return m.events.length > 0;
  }
  async apply(m: Model, w: World) {
    const expected = model.cancel(m, this.person, this.roles);
    const got = await attempt(() => cancelRollback(w.deps, { eventId: latestId(w), actor: actor(this.person, this.roles), reason: 'changed my mind' }));
    const seen = describeAttempt(got);
    if (expected.kind === 'forbidden') expect(errorCode(got), `cancel: expected FORBIDDEN, got ${seen}`).toBe('FORBIDDEN');
    else expect(got.ok && got.value.kind, `cancel: expected ${expected.kind}, got ${seen}`).toBe(expected.kind);
  }
  toString() {
    return `cancel(${who(this.person, this.roles)})`;
  }
}

const MIGRATION_BODY: Record<Migration, { reversibility: string; rollback_script?: string }> = {
  reversible: { reversibility: 'reversible', rollback_script: 'alter table t drop column c;' },
  expand: { reversibility: 'expand' },
  destructive: { reversibility: 'destructive', rollback_script: 'select 1;' },
  no_script: { reversibility: 'reversible' },
};

/** Changes the plan of the pending rollback: a migration recorded on v3, or the current target re-marked as failed by CI. */
export class PlanChangeCmd extends Step {
  readonly kind = 'plan-change';
  constructor(readonly change: Migration | 'demote_target') {
    super();
  }
  override check(m: Readonly<Model>) {
    return this.change !== 'demote_target' || m.goodLeft > 0;
  }
  async apply(m: Model, w: World) {
    if (this.change === 'demote_target') {
      const target = m.goodLeft === 2 ? w.ids.v2 : w.ids.v1;
      model.demoteTarget(m);
      const res = await w.b.api('POST', `/api/deployments/${target}/complete`, 'ci', { status: 'failed', health_check_passed: false });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return;
    }
    model.addMigration(m, this.change);
    const name = `r${w.run}_m${++w.migrations}`;
    const res = await w.b.api('POST', `/api/deployments/${w.ids.v3}/migrations`, 'ci', { name, hash: `h-${name}`, ...MIGRATION_BODY[this.change] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  toString() {
    return this.change === 'demote_target' ? 'demoteTarget()' : `migration(${this.change})`;
  }
}

export class AdvanceCmd extends Step {
  readonly kind = 'clock';
  constructor(readonly minutes: number) {
    super();
  }
  async apply(m: Model, w: World) {
    m.now += this.minutes;
    w.clock.advance(this.minutes * 60_000);
  }
  toString() {
    return `advance(${this.minutes}m)`;
  }
}

export class ReconcileCmd extends Step {
  readonly kind = 'reconcile';
  async apply(m: Model, w: World) {
    const expected = model.expireOverdue(m);
    expect(await expireOverdue(w.deps), 'requests the reconciler expired').toBe(expected);
  }
  toString() {
    return 'reconcile()';
  }
}

let workers = 0;
export class WorkCmd extends Step {
  readonly kind: string;
  constructor(readonly crash: Crash) {
    super();
    this.kind = crash === 'none' ? 'worker' : `crash:${crash}`;
  }
  override check(m: Readonly<Model>) {
    return m.events.length > 0;
  }
  async apply(m: Model, w: World) {
    const expected = model.work(m, this.crash);
    const deps = this.crash === 'none' ? w.deps : crashingDeps(w, this.crash);
    const got = await attempt(() => runRollback(deps, latestId(w), `model:${w.run}:${++workers}`));
    const seen = describeAttempt(got);
    if (expected.outcome === 'crashed') expect(!got.ok && got.error instanceof WorkerDied, `worker: expected to die in execute, got ${seen}`).toBe(true);
    else expect(got.ok && got.value, `worker: expected ${expected.outcome}, got ${seen}`).toBe(expected.outcome);
  }
  toString() {
    return this.crash === 'none' ? 'worker()' : `workerDies(${this.crash})`;
  }
}

const SAMPLES: Record<string, Partial<Record<Metric, number>>> = {
  healthy: { error_rate_per_minute: 0.2, recent_errors: 2, database_connections_pct: 40, p95_ms: 180, memory_pct: 55 },
  elevated: { error_rate_per_minute: 3 },
  breaching: { error_rate_per_minute: 12, recent_errors: 80 },
  slow: { p95_ms: 7000 },
  saturated: { database_connections_pct: 96 },
};
export const SAMPLE_KINDS = Object.keys(SAMPLES);

/** A sample pushed for v3 through the API (real timestamps, strictly increasing so "newest" is never a tie). */
export class HealthCmd extends Step {
  readonly kind = 'health';
  constructor(readonly sample: string) {
    super();
  }
  async apply(m: Model, w: World) {
    const values = SAMPLES[this.sample]!;
    m.samples = { ...m.samples, ...values };
    w.lastSampleAt = Math.max(Date.now(), w.lastSampleAt + 1);
    const res = await w.b.api('POST', `/api/deployments/${w.ids.v3}/health`, 'ci', { ...values, observed_at: new Date(w.lastSampleAt).toISOString() });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.decision, 'v3 is no longer watched: a sample starts nothing').toBeNull();
  }
  toString() {
    return `health(${this.sample})`;
  }
}

/** Every event of the run, its votes (and their plans), and its side effects, as the model has them. */
export async function compareWithModel(m: Model, w: World): Promise<void> {
  const pool = w.deps.pool;
  const { rows: events } = await pool.query<{ event_id: string; status: string; plan_hash: string }>(
    'select event_id, status::text, plan_hash from ops.rollback_events where deployment_id = $1',
    [w.ids.v3],
  );
  expect(events.length, 'events of this run (one per admitted or refused request, none from anywhere else)').toBe(m.events.length);
  const { rows: votes } = await pool.query<{ event_id: string; approver: string; decision: string; plan_hash: string; with_override_role: boolean }>(
    'select event_id, approver, decision::text, plan_hash, with_override_role from ops.approvals where event_id = any($1::uuid[]) order by decided_at, id',
    [w.eventIds],
  );
  const effects = sideEffects(w.effects);
  m.events.forEach((e, i) => {
    const id = w.eventIds[i]!;
    const row = events.find((r) => r.event_id === id);
    expect(row?.status, `status of event #${i + 1}`).toBe(e.status);
    bindPlan(w, e.plan, row!.plan_hash, `plan of event #${i + 1}`);
    const mine = votes.filter((v) => v.event_id === id);
    expect(mine.map((v) => `${v.approver}:${v.decision}:${v.with_override_role}`), `votes on event #${i + 1}`).toEqual(
      e.votes.map((v) => `user:${v.who}:${v.decision}:${v.withOverride}`),
    );
    e.votes.forEach((v, j) => bindPlan(w, v.plan, mine[j]!.plan_hash, `plan of ${v.who}'s vote on event #${i + 1}`));
    expect(effects.get(id)?.length ?? 0, `executor runs for event #${i + 1}`).toBe(e.executed ? 1 : 0);
  });
}

/** Plan versions and plan hashes correspond one to one: the hash changes exactly when the plan does. */
function bindPlan(w: World, version: number, hash: string, what: string): void {
  const known = w.planHashes.get(version);
  if (known) {
    expect(hash, `${what}: plan version ${version}`).toBe(known);
    return;
  }
  const other = [...w.planHashes].find(([, h]) => h === hash);
  expect(other, `${what}: plan version ${version} has the hash of plan version ${other?.[0]}`).toBeUndefined();
  w.planHashes.set(version, hash);
}
