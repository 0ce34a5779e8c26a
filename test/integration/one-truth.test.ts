import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findVotes, getEvent } from '../../src/db/queries/rollback-events.ts';
import { getDeployment } from '../../src/db/queries/deployments.ts';
import { rollbackCard } from '../../src/notify/discord/cards/rollback-card.ts';
import { historyPage, historyQuery } from '../../src/gateway/handlers/history.ts';
import { checkReply } from '../../src/gateway/handlers/check.ts';
import { planReply } from '../../src/gateway/handlers/plan.ts';
import { assessDeployment } from '../../src/health/assess.ts';
import { previewPlan } from '../../src/views/preview-plan.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';

const SCRIPT = resolve('test/fixtures/rollback.sh');

// Every answer backstop gives about one deployment, asked at the same moment: the monitor's decision (and the card it
// posts), /auto-rollback/check over HTTP and in Discord, /rollback plan, /rollback history, and the assessment
// itself. They used to disagree: the card said "propose at 3.2/min" while the check said "Healthy: 3.2/min", and the
// plan called the deployment's own pending rollback "another rollback in flight".
describe('one health truth', () => {
  let b: Backstop;
  beforeAll(async () => {
    const effects = join(mkdtempSync(join(tmpdir(), 'backstop-truth-')), 'effects.log');
    // The seed's rules (the harness's default): 3.2 errors/min is the propose band.
    b = await startBackstop({ policy: testPolicy({ executorArgv: [SCRIPT, effects], verifyWindow: '500ms' }) });
  });
  afterAll(async () => b?.close());

  const deploy = async (service: string, version: string, good: boolean) => {
    const id = (await b.api('POST', '/api/deployments', 'ci', { service, environment: 'staging', version, git_commit: good ? 'abc1234' : 'def5678' })).body.deployment_id as string;
    if (good) await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: 'success', health_check_passed: true });
    return id;
  };
  const text = (reply: { embeds?: unknown[] }) => JSON.stringify(reply.embeds);

  it('the monitor, the card, the check, the plan and the history agree about the same deployment', async () => {
    await deploy('payments', 'v1', true);
    const bad = await deploy('payments', 'v2', false);
    const pushed = await b.api('POST', `/api/deployments/${bad}/health`, 'ci', { error_rate_per_minute: 3.2 });
    expect(pushed.body.decision).toMatchObject({ action: 'propose', summary: 'High error rate (3.2 errors/minute)' });
    const eventId = pushed.body.decision.event_id as string;

    const deps = b.running.deps;
    const assessment = await assessDeployment(deps, (await getDeployment(deps.db, bad))!);
    expect(assessment).toMatchObject({ verdict: 'unhealthy', action: 'propose', summary: 'Unhealthy: High error rate (3.2 errors/minute)' });

    // The check, over HTTP and in Discord.
    const check = await b.api('POST', '/auto-rollback/check', 'viewer', { deployment_id: bad });
    expect(check.body).toMatchObject({
      should_rollback: true,
      reason: assessment.summary,
      health: { healthy: false, error_rate_per_minute: 3.2 },
      assessment: { verdict: assessment.verdict, action: assessment.action },
    });
    const checkEmbed = text(await checkReply(deps, bad));
    expect(checkEmbed).toContain('Should roll back');
    expect(checkEmbed).toContain('High error rate (3.2 errors/minute)');

    // The plan: the same health, and the deployment's own pending rollback is not "another one in flight".
    const preview = await previewPlan(deps, bad);
    expect(preview.health.verdict).toBe(assessment.verdict);
    expect(preview.health.summary).toBe(assessment.summary);
    expect(preview.validation.violations).toEqual([]);
    expect(preview.validation.compliant).toBe(true);
    const planEmbed = text(await planReply(deps, bad));
    expect(planEmbed).toContain('High error rate (3.2 errors/minute)');
    expect(planEmbed).not.toMatch(/another rollback is in flight/);

    // The card the monitor posted, and the history.
    const event = (await getEvent(deps.db, eventId))!;
    const card = rollbackCard({ event, votes: await findVotes(deps.db, eventId), now: new Date() });
    expect(card.embeds[0]!.fields!.find((f) => f.name === 'Reason')!.value).toBe('High error rate (3.2 errors/minute)');
    const history = await b.api('GET', '/api/rollbacks?service=payments', 'viewer');
    expect(history.body.rollbacks.find((r: { event_id: string }) => r.event_id === eventId)).toMatchObject({ trigger_reason: 'High error rate (3.2 errors/minute)', status: 'awaiting_approval' });
    expect(text(await historyPage(deps, historyQuery(deps.config, { service: 'payments' })))).toContain('High error rate (3.2 errors/minute)');

    // And the decision is counted.
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^backstop_monitor_decisions_total\{action="propose",outcome="admitted"\} 1$/m);
    expect(metrics).toMatch(/^backstop_monitor_decisions_total\{action="auto",outcome="raised"\} 0$/m);
  });

  it('a stronger decision raises a pending proposal instead of disappearing: an alert proposes, the monitor starts it', async () => {
    const good = await deploy('search', 'v1', true);
    const bad = await deploy('search', 'v2', false);
    const alert = await b.api('POST', '/api/alerts/alertmanager', 'ci', {
      version: '4',
      status: 'firing',
      receiver: 'backstop',
      groupKey: '{}:{alertname="SearchErrors"}',
      groupLabels: { alertname: 'SearchErrors' },
      commonLabels: { alertname: 'SearchErrors', service: 'search', environment: 'staging' },
      commonAnnotations: { summary: 'search errors' },
      externalURL: 'http://alertmanager.example:9093',
      alerts: [{ status: 'firing', labels: { alertname: 'SearchErrors', service: 'search', environment: 'staging' }, annotations: { summary: 'search errors' }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', fingerprint: 'f00d' }],
    });
    expect(alert.status, JSON.stringify(alert.body)).toBe(200);
    const eventId = alert.body.alerts[0].event_id as string;
    expect((await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer')).body.status).toBe('awaiting_approval');

    // The restored version will report healthy; then the bad one breaches the automatic rule.
    const healthy = setInterval(() => void b.api('POST', `/api/deployments/${good}/health`, 'ci', { error_rate_per_minute: 0.1 }), 100);
    try {
      const breach = await b.api('POST', `/api/deployments/${bad}/health`, 'ci', { error_rate_per_minute: 8 });
      expect(breach.body.decision).toMatchObject({ action: 'auto', event_id: eventId });
      const done = await waitFor('the raised rollback to finish', async () => {
        const e = (await b.api('GET', `/api/rollbacks/${eventId}`, 'viewer')).body;
        return ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'].includes(e.status) ? e : null;
      }, 20_000);
      expect(done.status, JSON.stringify(done.status_reason)).toBe('succeeded');
    } finally {
      clearInterval(healthy);
    }
    const raised = b.notifier.notices.find((n) => n.eventId === eventId && n.kind === 'approved');
    expect(raised?.summary).toBe('Raised to an automatic rollback while it waited for approval: High error rate (8 errors/minute)');
    const audit = await b.running.deps.pool.query(`select action from ops.audit_log where subject = $1 order by id`, [eventId]);
    expect(audit.rows.map((r) => r.action)).toContain('rollback.raise_auto');
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^backstop_monitor_decisions_total\{action="auto",outcome="raised"\} 1$/m);
  });
});
