import { expect } from 'vitest';
import { getDeployment } from '../../../src/db/queries/deployments.ts';
import { assessDeployment } from '../../../src/health/assess.ts';
import { planHashOf } from '../../../src/admission/build-plan.ts';
import { checkDeployment } from '../../../src/views/check-deployment.ts';
import type { RollbackPlan } from '../../../src/core/plan.ts';
import { predictedHealth, type Model } from './rollback-model.ts';
import { sideEffects, type World } from './rollback-world.ts';

// The safety rules, read from the database (the truth) after every step, without asking the model.

interface EventRow {
  event_id: string;
  status: string;
  initiated_by: string | null;
  approvals_required: number;
  requester_counts: boolean;
  override_requested: boolean;
  constitutional_validation: { compliant?: boolean } | null;
  plan_hash: string | null;
  rollback_plan: RollbackPlan | null;
  expires_at: Date | null;
  approved_at: Date | null;
}
interface VoteRow {
  event_id: string;
  approver: string;
  decision: 'approve' | 'reject';
  plan_hash: string;
  with_override_role: boolean;
  decided_at: Date;
}

const AFTER_APPROVAL = ['approved', 'queued', 'running', 'verifying', 'succeeded'];
/** The actions that mean "roll back" (DESIGN.md's ladder: propose and above). */
const ROLLBACK_ACTIONS: readonly string[] = ['propose', 'auto_with_veto', 'auto'];

export async function checkInvariants(w: World): Promise<void> {
  const pool = w.deps.pool;
  const { rows: events } = await pool.query<EventRow>(
    `select event_id, status::text, initiated_by, approvals_required, requester_counts, override_requested, constitutional_validation,
            plan_hash, rollback_plan, expires_at, approved_at
     from ops.rollback_events where deployment_id = $1`,
    [w.ids.v3],
  );
  const { rows: votes } = await pool.query<VoteRow>(
    `select event_id, approver, decision::text, plan_hash, with_override_role, decided_at from ops.approvals
     where event_id in (select event_id from ops.rollback_events where deployment_id = $1) order by decided_at, id`,
    [w.ids.v3],
  );
  const effects = sideEffects(w.effects);
  for (const e of events) {
    const lines = effects.get(e.event_id) ?? [];
    const mine = votes.filter((v) => v.event_id === e.event_id);
    const where = `event ${e.event_id} (${e.status})`;

    // Never executed twice; a success always ran the executor.
    expect(lines.length, `${where}: executor side effects`).toBeLessThanOrEqual(1);
    if (e.status === 'succeeded') expect(lines.length, `${where}: succeeded without running the executor`).toBe(1);

    // A late vote is never stored, so none can count.
    for (const v of mine) expect(v.decided_at.getTime(), `${where}: a vote by ${v.approver} stored at or after the deadline`).toBeLessThan(e.expires_at!.getTime());

    // A veto always wins.
    if (mine.some((v) => v.decision === 'reject')) {
      expect(e.status, `${where}: has a reject vote`).toBe('rejected');
      expect(lines.length, `${where}: executed despite a reject vote`).toBe(0);
    }

    // The stored plan is the plan its hash names.
    if (e.rollback_plan) expect(planHashOf(e.rollback_plan), `${where}: plan_hash does not match rollback_plan`).toBe(e.plan_hash);

    if (lines.length > 0 || AFTER_APPROVAL.includes(e.status)) {
      // Never executed (nor approved) without a valid quorum gathered before the deadline, for the event's final plan.
      expect(e.approved_at, `${where}: approved_at`).not.toBeNull();
      expect(e.approved_at!.getTime(), `${where}: approved at or after the deadline`).toBeLessThan(e.expires_at!.getTime());
      const counted = new Map<string, VoteRow>();
      for (const v of mine) {
        if (v.decision !== 'approve' || v.plan_hash !== e.plan_hash) continue;
        if (v.decided_at.getTime() >= e.expires_at!.getTime() || v.decided_at.getTime() > e.approved_at!.getTime()) continue;
        if (!e.requester_counts && v.approver === e.initiated_by) continue;
        counted.set(v.approver, v);
      }
      const overrideRequired = e.override_requested && e.constitutional_validation?.compliant === false;
      const need = overrideRequired ? Math.max(e.approvals_required, 2) : e.approvals_required;
      const summary = mine.map((v) => `${v.approver}:${v.decision}@${v.plan_hash.slice(0, 6)}`).join(', ');
      expect(e.approvals_required, `${where}: a manual request needs people`).toBeGreaterThanOrEqual(1);
      expect(counted.size, `${where}: ${counted.size}/${need} approvals for plan ${e.plan_hash?.slice(0, 6)} [${summary}]`).toBeGreaterThanOrEqual(need);
      if (overrideRequired) expect([...counted.values()].some((v) => v.with_override_role), `${where}: override without an override-role approver`).toBe(true);
    }
    if (lines.length > 0) {
      // What ran is the plan the event holds.
      expect(lines[0], `${where}: executed target`).toBe(e.rollback_plan?.target?.version);
    }
  }
}

/** Every verdict shown equals the assessment's: the check and a direct assessment agree at one frozen moment. */
export async function checkVerdicts(w: World, m: Model): Promise<void> {
  const at = w.deps.clock();
  const frozen = { ...w.deps, clock: () => at };
  for (const id of [w.ids.v3, w.ids.v2]) {
    const check = await checkDeployment(frozen, id);
    const a = await assessDeployment(frozen, (await getDeployment(frozen.db, id))!);
    expect(check.assessment.verdict, `check vs assessment verdict of ${id}`).toBe(a.verdict);
    expect(check.assessment.action, `check vs assessment action of ${id}`).toBe(a.action);
    expect(check.should_rollback, `should_rollback of ${id} (action ${a.action})`).toBe(a.action !== null && ROLLBACK_ACTIONS.includes(a.action));
    expect(check.health.healthy, `healthy of ${id}`).toBe(a.verdict === 'inconclusive' ? null : a.verdict === 'healthy');
    if (id === w.ids.v3) {
      const predicted = predictedHealth(m.samples);
      expect({ verdict: a.verdict, action: a.action }, `the seed's rules on the samples pushed to v3 ${JSON.stringify(m.samples)}`).toEqual(predicted);
    }
  }
}
