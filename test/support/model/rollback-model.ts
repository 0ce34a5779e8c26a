// A small pure model of one service's rollbacks, written from DESIGN.md ("Lifecycle and approvals", "The
// constitution", "One health truth") and not from src/, so the two can disagree. Time is whole minutes of a fake
// clock; plans are version numbers (every plan change makes a new one, and approvals carry the one they were for).

export const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'mallory'] as const;
export type Person = (typeof PEOPLE)[number];
export const ROLE_POOL = ['approver', 'override', 'viewer', 'deployer'] as const;
export type PersonRole = (typeof ROLE_POOL)[number];

/** The test policy's environments (see the policy in rollback-world.ts): one approval, two, two without the requester. */
export const ENVIRONMENTS = {
  staging: { required: 1, requesterCounts: true },
  production: { required: 2, requesterCounts: true },
  strict: { required: 2, requesterCounts: false },
} as const;
export type Env = keyof typeof ENVIRONMENTS;
export const EXPIRES_AFTER_MIN = 10;

/** An approved rollback stays 'approved' until a worker claims it ('queued' is no longer written). */
export type Status = 'awaiting_approval' | 'approved' | 'running' | 'succeeded' | 'failed' | 'rejected' | 'expired' | 'cancelled';
export const FINAL: readonly Status[] = ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'];
export const isFinalStatus = (s: Status) => FINAL.includes(s);

/** A migration recorded on the deployment being rolled back; only the first two keep a full rollback compliant. */
export type Migration = 'reversible' | 'expand' | 'destructive' | 'no_script';
export type Metric = 'error_rate_per_minute' | 'recent_errors' | 'database_connections_pct' | 'p95_ms' | 'memory_pct';

export interface ModelVote {
  who: Person;
  decision: 'approve' | 'reject';
  plan: number;
  withOverride: boolean;
}

export interface ModelEvent {
  status: Status;
  requester: Person;
  override: boolean;
  required: number;
  requesterCounts: boolean;
  /** The plan the event holds (re-derived when someone votes), and whether the constitution passed it. */
  plan: number;
  compliant: boolean;
  deadline: number;
  votes: ModelVote[];
  executed: boolean;
  /** How far a crashed worker got: nothing started, 'spawning' recorded, or the executor started. */
  ledger: 'none' | 'spawning' | 'started';
}

export interface Model {
  env: Env;
  now: number;
  plan: number;
  /** Known-good deployments left before the bad one: 2 (v2 is the target), 1 (v1), 0 (no target). */
  goodLeft: 0 | 1 | 2;
  migrations: Migration[];
  fromRolledBack: boolean;
  events: ModelEvent[];
  samples: Partial<Record<Metric, number>>;
}

export const initialModel = (env: Env): Model => ({ env, now: 0, plan: 0, goodLeft: 2, migrations: [], fromRolledBack: false, events: [], samples: {} });

export const compliantNow = (m: Model) => m.goodLeft > 0 && m.migrations.every((x) => x === 'reversible' || x === 'expand');
export const latestEvent = (m: Model): ModelEvent | undefined => m.events.at(-1);
const activeEvent = (m: Model) => m.events.find((e) => !isFinalStatus(e.status));
const hasAny = (roles: readonly PersonRole[], ...wanted: PersonRole[]) => wanted.some((r) => roles.includes(r));

/** Approvals count once per person, for the event's current plan only, the requester only where allowed; one reject vetoes. */
function counted(e: ModelEvent): ModelVote[] {
  return e.votes.filter((v) => v.decision === 'approve' && v.plan === e.plan && (e.requesterCounts || v.who !== e.requester));
}
const overrideRequired = (e: ModelEvent) => e.override && !e.compliant;
const overrideSatisfied = (e: ModelEvent) => !overrideRequired(e) || counted(e).some((v) => v.withOverride);

export function approvalOf(e: ModelEvent): 'approved' | 'rejected' | 'pending' {
  if (e.votes.some((v) => v.decision === 'reject')) return 'rejected';
  const need = overrideRequired(e) ? Math.max(e.required, 2) : e.required;
  return counted(e).length >= need && overrideSatisfied(e) ? 'approved' : 'pending';
}

export type RequestExpect =
  | { kind: 'forbidden' }
  | { kind: 'conflict' }
  | { kind: 'already_in_progress'; index: number }
  | { kind: 'rejected' }
  | { kind: 'admitted'; status: Status };

export function request(m: Model, who: Person, roles: readonly PersonRole[], override: boolean): RequestExpect {
  if (!hasAny(roles, 'deployer', 'approver', 'override')) return { kind: 'forbidden' };
  if (override && !roles.includes('override')) return { kind: 'forbidden' };
  const active = activeEvent(m);
  if (active) return { kind: 'already_in_progress', index: m.events.indexOf(active) };
  if (m.fromRolledBack) return { kind: 'conflict' };
  const policy = ENVIRONMENTS[m.env];
  const compliant = compliantNow(m);
  const e: ModelEvent = {
    status: 'awaiting_approval',
    requester: who,
    override,
    required: policy.required,
    requesterCounts: policy.requesterCounts,
    plan: m.plan,
    compliant,
    deadline: m.now + EXPIRES_AFTER_MIN,
    votes: [],
    executed: false,
    ledger: 'none',
  };
  m.events.push(e);
  // An override sets violations aside, never the lack of a target.
  if ((!compliant && !override) || m.goodLeft === 0) {
    e.status = 'rejected';
    return { kind: 'rejected' };
  }
  if (policy.requesterCounts && hasAny(roles, 'approver', 'override')) {
    e.votes.push({ who, decision: 'approve', plan: e.plan, withOverride: override });
    if (approvalOf(e) === 'approved') e.status = 'approved';
  }
  return { kind: 'admitted', status: e.status };
}

export type DecideCode = 'EXPIRED' | 'NOT_AN_APPROVER' | 'OVERRIDE_ROLE_REQUIRED' | 'ALREADY_DECIDED' | 'REQUESTER_CANNOT_APPROVE';
export type DecideExpect = { kind: 'already_resolved' } | { kind: 'refused'; code: DecideCode } | { kind: 'recorded'; status: Status };

export function decide(m: Model, who: Person, roles: readonly PersonRole[], decision: 'approve' | 'reject', override: boolean): DecideExpect {
  const e = latestEvent(m)!;
  if (e.status !== 'awaiting_approval') return { kind: 'already_resolved' };
  // A vote at or after the deadline is refused and ends the request: a late approval is not an approval.
  if (m.now >= e.deadline) {
    e.status = 'expired';
    return { kind: 'refused', code: 'EXPIRED' };
  }
  // The plan is re-derived whatever the vote turns out to be: approvals bind to the plan people saw.
  if (e.plan !== m.plan) {
    e.plan = m.plan;
    e.compliant = compliantNow(m);
  }
  if (!hasAny(roles, 'approver', 'override')) return { kind: 'refused', code: 'NOT_AN_APPROVER' };
  if (override && !roles.includes('override')) return { kind: 'refused', code: 'OVERRIDE_ROLE_REQUIRED' };
  if (e.votes.some((v) => v.who === who)) return { kind: 'refused', code: 'ALREADY_DECIDED' };
  if (decision === 'approve' && !e.requesterCounts && who === e.requester) return { kind: 'refused', code: 'REQUESTER_CANNOT_APPROVE' };
  e.votes.push({ who, decision, plan: e.plan, withOverride: override || roles.includes('override') });
  const state = approvalOf(e);
  if (state === 'rejected') e.status = 'rejected';
  else if (state === 'approved') e.status = 'approved';
  return { kind: 'recorded', status: e.status };
}

export type CancelExpect = { kind: 'forbidden' } | { kind: 'already_final' } | { kind: 'too_late' } | { kind: 'cancelled' };

export function cancel(m: Model, who: Person, roles: readonly PersonRole[]): CancelExpect {
  const e = latestEvent(m)!;
  if (e.requester !== who && !hasAny(roles, 'approver', 'override')) return { kind: 'forbidden' };
  if (isFinalStatus(e.status)) return { kind: 'already_final' };
  if (e.status === 'awaiting_approval' || e.status === 'approved') {
    e.status = 'cancelled';
    return { kind: 'cancelled' };
  }
  return { kind: 'too_late' };
}

/** The reconciler: every request past its deadline expires; nothing ever auto-approves. */
export function expireOverdue(m: Model): number {
  let n = 0;
  for (const e of m.events) {
    if (e.status === 'awaiting_approval' && m.now >= e.deadline) {
      e.status = 'expired';
      n++;
    }
  }
  return n;
}

export type Crash = 'none' | 'before_spawn' | 'after_start';
export type WorkExpect = { outcome: 'nothing_to_do' | 'finished' | 'crashed' };

/**
 * A worker takes the latest event. Until the executor has started, the plan must still be the approved one and the
 * constitution must still hold (or be overridden) "right before executing" — for a worker resuming after a crash as
 * much as for the first one. Once started, the executor never starts again; verification (no data on the restored
 * version: on_no_data pass) then decides.
 */
export function work(m: Model, crash: Crash): WorkExpect {
  const e = latestEvent(m);
  if (!e || (e.status !== 'approved' && e.status !== 'running')) return { outcome: 'nothing_to_do' };
  e.status = 'running';
  if (e.ledger !== 'started') {
    if (m.plan !== e.plan) return stop(e, 'failed');
    if (!compliantNow(m) && !(e.override && overrideSatisfied(e))) return stop(e, 'rejected');
    if (m.goodLeft === 0) return stop(e, 'failed');
    if (crash === 'before_spawn') {
      e.ledger = 'spawning';
      return { outcome: 'crashed' };
    }
    e.executed = true;
    if (crash === 'after_start') {
      e.ledger = 'started';
      return { outcome: 'crashed' };
    }
  }
  e.status = 'succeeded';
  m.fromRolledBack = true;
  return { outcome: 'finished' };
}

function stop(e: ModelEvent, status: Status): WorkExpect {
  e.status = status;
  return { outcome: 'finished' };
}

/** Plan changes: a migration on the bad deployment, or the current target losing its known-good status. */
export function addMigration(m: Model, kind: Migration): void {
  m.migrations.push(kind);
  m.plan++;
}
export function demoteTarget(m: Model): void {
  m.goodLeft = (m.goodLeft - 1) as 0 | 1;
  m.plan++;
}

/** The seed's rules, as the default policy applies them to pushed samples. */
const RULES: Array<{ metric: Metric; breach: (v: number) => boolean; action: 'auto' | 'propose' | 'warn' }> = [
  { metric: 'error_rate_per_minute', breach: (v) => v > 5, action: 'auto' },
  { metric: 'recent_errors', breach: (v) => v > 50, action: 'auto' },
  { metric: 'database_connections_pct', breach: (v) => v > 90, action: 'auto' },
  { metric: 'p95_ms', breach: (v) => v > 5000, action: 'warn' },
  { metric: 'memory_pct', breach: (v) => v > 95, action: 'warn' },
  { metric: 'error_rate_per_minute', breach: (v) => v >= 1, action: 'propose' },
];
const LADDER = ['warn', 'propose', 'auto'] as const;

export function predictedHealth(samples: Model['samples']): { verdict: 'healthy' | 'degraded' | 'unhealthy' | 'inconclusive'; action: string | null } {
  const breached = RULES.filter((r) => samples[r.metric] !== undefined && r.breach(samples[r.metric]!));
  const action = breached.map((r) => r.action).sort((a, b) => LADDER.indexOf(b) - LADDER.indexOf(a))[0] ?? null;
  if (action === 'auto' || action === 'propose') return { verdict: 'unhealthy', action };
  if (action) return { verdict: 'degraded', action };
  return { verdict: Object.keys(samples).length > 0 ? 'healthy' : 'inconclusive', action: null };
}
