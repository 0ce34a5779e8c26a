import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/core/deps.ts';
import { findRuleTallies } from '../../src/db/queries/false-alarms.ts';
import { insertHealthDecision } from '../../src/db/queries/health-decisions.ts';
import { labelFalseAlarm, type LabelOutcome } from '../../src/monitor/label-false-alarm.ts';
import type { FalseAlarmNotice } from '../../src/notify/notifier.ts';
import { insertDeployment } from '../support/layer/rows.ts';
import { createLayerWorld, person, type LayerWorld } from '../support/layer/world.ts';

// labelFalseAlarm on a real database: one label per decision however many people click at once, and a rule pushed
// below the policy by labels that land together is announced exactly once. Each test uses a service of its own.

const T0 = new Date('2031-03-01T10:00:00.000Z');
const SERVICES = ['crowd', 'pair', 'quiet', 'window', 'refusals'];
const POLICY = `
monitoring:
  false_alarms: { demote_below: 0.8, min_decisions: 3, over_last: 5 }
api:
  tokens:
    ci: { roles: [deployer] }
defaults:
  rules:
    - { name: critical, metric: error_rate_per_minute, op: ">", threshold: 5, action: auto }
    - { name: slow, metric: p95_ms, op: ">", threshold: 5000, action: warn }
environments:
  staging: {}
services:
${SERVICES.map((s) => `  ${s}:\n    environments: [staging]\n    executor: { kind: command, argv: ["true"] }`).join('\n')}
`;

const alice = person('alice', 'approver');

describe('marking decisions as false alarms', () => {
  let w: LayerWorld;
  let deps: CoreDeps;
  const told: FalseAlarmNotice[] = [];

  beforeAll(async () => {
    w = await createLayerWorld({ start: T0, policy: POLICY });
    deps = { ...w.deps, notifier: { notify: async () => undefined, falseAlarm: async (n) => void told.push(n) } };
  });
  afterAll(async () => w?.close());

  /** `n` decisions in which `rule` fired, as act() records them, oldest first. */
  async function decisions(service: string, n: number, rule = 'critical', action = 'auto'): Promise<number[]> {
    const d = await insertDeployment(w.db, { service, environment: 'staging', version: 'v2', deployedAt: T0, status: 'pending' });
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const fired = [{ rule, origin: 'defaults.rules[0]', action, metric: 'error_rate_per_minute', observed: 9, op: '>', threshold: 5 }];
      ids.push(await insertHealthDecision(w.db, { deploymentId: d.deploymentId, service, environment: 'staging', action, summary: 'High error rate', evidence: { fired, held_back: [] } }));
    }
    return ids;
  }
  const labelled = (outcomes: LabelOutcome[]) => outcomes.filter((o) => o.kind === 'labelled');

  it('counts a decision once, however many people mark it at the same moment', async () => {
    const [id] = await decisions('crowd', 1);
    const people = Array.from({ length: 12 }, (_, i) => person(`p${i}`, 'approver'));
    const outcomes = await Promise.all(people.map((p) => labelFalseAlarm(deps, p, { decisionId: id, reason: null })));
    expect(labelled(outcomes)).toHaveLength(1);
    const winner = labelled(outcomes)[0]!.label.labelledBy;
    for (const o of outcomes.filter((x) => x.kind === 'already')) expect(o.label.labelledBy).toBe(winner);
    const rows = await w.database.pool.query(`select count(*)::int as n from ops.false_alarms where decision_id = $1`, [id]);
    expect(rows.rows[0].n).toBe(1);
    const audit = await w.database.pool.query(`select count(*)::int as n from ops.audit_log where action = 'decision.false_alarm' and details->>'decision_id' = $1`, [String(id)]);
    expect(audit.rows[0].n).toBe(1);
  });

  it('announces a rule that labels landing together push below the policy, exactly once', async () => {
    // Five decisions: one false alarm leaves 0.8 (not below); the second to land leaves 0.6, and the rest lower it further.
    const ids = await decisions('pair', 5);
    told.length = 0;
    const outcomes = await Promise.all(ids.map((decisionId, i) => labelFalseAlarm(deps, person(`p${i}`, 'approver'), { decisionId, reason: null })));
    expect(labelled(outcomes)).toHaveLength(5);
    expect(labelled(outcomes).filter((o) => o.kind === 'labelled' && o.demoted.length > 0)).toHaveLength(1);
    expect(told.filter((n) => n.demoted.length > 0)).toEqual([expect.objectContaining({ service: 'pair', environment: 'staging', demoted: ['critical'] })]);
    const rows = await w.database.pool.query(`select demoted from ops.false_alarms where service = 'pair' and demoted is not null`);
    expect(rows.rows).toEqual([{ demoted: [{ rule: 'critical', decisions: 5, false_alarms: 2, precision: 0.6, demote_below: 0.8 }] }]);
  });

  it('announces nothing for a rule that never rolls back by itself', async () => {
    const ids = await decisions('quiet', 3, 'slow', 'warn');
    told.length = 0;
    let last: LabelOutcome | undefined;
    for (const id of ids) last = await labelFalseAlarm(deps, alice, { decisionId: id, reason: null });
    expect(last).toMatchObject({ kind: 'labelled', standings: [{ rule: 'slow', decisions: 3, falseAlarms: 3, precision: 0, demoted: true }], demoted: [] });
    expect(told.every((n) => n.demoted.length === 0)).toBe(true);
  });

  it('counts only the newest over_last decisions: an old false alarm ages out', async () => {
    const [oldest] = await decisions('window', 5);
    await labelFalseAlarm(deps, alice, { decisionId: oldest, reason: null });
    const tally = () => findRuleTallies(w.db, { service: 'window', environment: 'staging', rules: ['critical'], overLast: 5 });
    expect(await tally()).toEqual([{ rule: 'critical', decisions: 5, falseAlarms: 1 }]);
    await decisions('window', 1);
    expect(await tally()).toEqual([{ rule: 'critical', decisions: 5, falseAlarms: 0 }]);
  });

  it('refuses the wrong role, a decision that is not a firing, and bad input, with the field named', async () => {
    const [id] = await decisions('refusals', 1);
    const passed = await insertHealthDecision(w.db, { deploymentId: (await insertDeployment(w.db, { service: 'refusals', environment: 'staging', version: 'v3', deployedAt: T0 })).deploymentId, service: 'refusals', environment: 'staging', action: 'watch_passed', summary: 'healthy', evidence: {} });
    const attempt = (actor: ReturnType<typeof person>, decisionId: unknown, reason: string | null = null) => labelFalseAlarm(deps, actor, { decisionId, reason });
    await expect(attempt(person('dave', 'deployer'), id)).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'discord:dave may not mark a decision as a false alarm (needs the approver or override role)' });
    await expect(attempt(alice, 987654321)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(attempt(alice, passed)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('records watch passed, not a warning, proposal or rollback') });
    for (const bad of ['abc', 0, -3, 1.5, '']) await expect(attempt(alice, bad)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^decision_id: /) });
    await expect(attempt(alice, id, 'nul \u0000 here')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: 'reason: reason must not contain NUL characters' });
    await expect(attempt(alice, id, ' ')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    // An admin may do what an approver may.
    await expect(attempt(person('root', 'admin'), id)).resolves.toMatchObject({ kind: 'labelled' });
  });
});
