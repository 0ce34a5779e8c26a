import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator, type EmulatedMessage, type EmulatedUser } from '@backstop/discord-emulator';
import { cli, withoutStaleBuildNote } from '../support/cli-process.ts';
import { startBackstop, testPolicy, TOKENS, waitFor, type Backstop } from '../support/harness.ts';
import { promtool, sampleValue } from '../support/role-process.ts';

// False alarms as a team meets them: the monitor warns and proposes in the channel, approvers mark what was noise (on
// the card, from the API, from the CLI), the rule's precision falls below the policy, the channel is told once, and the
// rule's next firing is a proposal that says why. Real Postgres, Redis, gateway, worker and API; Discord is the emulator.

const RULES =
  '[{ name: error-spike, metric: error_rate_per_minute, op: ">", threshold: 5, action: auto_with_veto }, { name: slow, metric: p95_ms, op: ">", threshold: 5000, action: warn }]';
// A long countdown, so every proposal waits for the approver who turns it down; no circuit breaker in the way.
const MONITORING = `monitoring:
  veto: 10m
  circuit_breaker: { max_automatic: 100, per: 1h }
  false_alarms: { demote_below: 0.6, min_decisions: 5, over_last: 10 }`;

type Decision = { action: string; summary: string; event_id: string | null; decision_id: number };

describe('false alarms', () => {
  let emu: DiscordEmulator;
  let b: Backstop;
  let alice: EmulatedUser, bob: EmulatedUser, vic: EmulatedUser;
  let version = 0;
  let previous: string | null = null;

  beforeAll(async () => {
    emu = await startDiscordEmulator();
    const approver = emu.createRole('approver');
    const viewer = emu.createRole('viewer');
    alice = emu.addUser({ username: 'alice', roles: [approver] });
    bob = emu.addUser({ username: 'bob', roles: [approver] });
    vic = emu.addUser({ username: 'vic', roles: [viewer] });
    const discord = `
discord:
  guild_id: "${emu.guildId}"
  channel_id: "${emu.channelId}"
  roles: { approver: ["${approver}"], viewer: ["${viewer}"] }`;
    b = await startBackstop({
      policy: testPolicy({ executorArgv: ['true'], onNoData: 'pass', discord, rules: RULES, monitoring: MONITORING }),
      roles: { gateway: true },
      env: { DISCORD_TOKEN: emu.botToken, DISCORD_API_URL: emu.apiUrl, BACKSTOP_DISCORD_SWEEP_INTERVAL_MS: '500' },
    });
    const good = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version: 'v1.0.0', git_commit: 'a7f3b29' });
    await b.api('POST', `/api/deployments/${good.body.deployment_id}/complete`, 'ci', { status: 'success', health_check_passed: true });
  });
  afterAll(async () => {
    await b?.close();
    await emu?.close();
  });
  afterEach(() => {
    expect(emu.violations).toEqual([]);
    expect(emu.rateLimited).toBe(0);
  });

  /** A new deployment under watch, after the one before it reported healthy (so its breach is its own, not inherited). */
  async function deploy(): Promise<string> {
    if (previous) await b.api('POST', `/api/deployments/${previous}/health`, 'ci', { error_rate_per_minute: 0.1 });
    const rec = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version: `v1.0.${++version}`, git_commit: `b81c0d${version}` });
    expect(rec.status, JSON.stringify(rec.body)).toBe(201);
    previous = rec.body.deployment_id as string;
    return previous;
  }

  /** The decision a pushed sample led to: the push answers it, unless the monitor's tick judged the sample first. */
  async function push(deploymentId: string, sample: Record<string, number>): Promise<Decision> {
    const res = await b.api('POST', `/api/deployments/${deploymentId}/health`, 'ci', sample);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    if (res.body.decision) return res.body.decision as Decision;
    return waitFor('the monitor to decide', async () => {
      const { rows } = await b.running.deps.pool.query(
        `select id as decision_id, action, summary, event_id from ops.health_decisions where deployment_id = $1 and action in ('warn', 'propose', 'auto_with_veto', 'auto') order by id desc limit 1`,
        [deploymentId],
      );
      return rows[0] ? ({ ...rows[0], decision_id: Number(rows[0].decision_id) } as Decision) : undefined;
    });
  }

  /** A breach of error-spike on a new deployment, and the rollback it proposes turned down by an approver over the API. */
  async function proposalTurnedDown(): Promise<Decision> {
    const decision = await push(await deploy(), { error_rate_per_minute: 9 });
    expect(decision.event_id).toBeTruthy();
    const reject = await b.api('POST', `/api/rollbacks/${decision.event_id}/approvals`, 'bob', { decision: 'reject', reason: 'dashboards are fine' });
    expect(reject.status, JSON.stringify(reject.body)).toBe(200);
    return decision;
  }

  const cardOf = (eventId: string) => emu.messages().find((m) => m.embeds[0]?.footer?.text?.startsWith(`event ${eventId}`) && !(m.flags & 64) && m.components.length > 0);
  const field = (m: EmulatedMessage, name: string): string => m.embeds[0].fields.find((f: { name: string }) => f.name === name)?.value ?? '';
  const buttons = (m: EmulatedMessage) => m.components[0].components.map((c: { label: string; disabled?: boolean }) => `${c.label}${c.disabled ? ' (disabled)' : ''}`);
  const button = (m: EmulatedMessage, label: string) => (m.components[0].components as Array<{ label: string; custom_id: string }>).find((c) => c.label === label)!.custom_id;

  /** Clicks a button that opens a modal, then submits it: the way a person answers Approve, Reject or False alarm. */
  async function throughModal(user: EmulatedUser, message: EmulatedMessage, label: string, reason: string): Promise<string> {
    const click = await emu.click(user, message.id, button(message, label));
    const modal = await click.until((i) => i.callbacks.find((c) => c.type === 9) ?? i.original()?.content ?? i.callbacks.find((c) => c.type === 4)?.data?.content);
    if (typeof modal === 'string') return modal;
    const submit = await emu.submitModal(user, { customId: modal.data.custom_id, fields: { reason }, messageId: message.id });
    return submit.until((i) => i.original()?.content);
  }

  it('marks a warning from its card: approvers only, and once', async () => {
    const warned = await push(await deploy(), { p95_ms: 6000 });
    expect(warned.action).toBe('warn');
    const card = await emu.waitFor(() => emu.messages().find((m) => m.embeds[0]?.title === '⚠️ Health warning' && m.embeds[0].footer?.text?.endsWith(`decision ${warned.decision_id}`)));
    expect(buttons(card)).toEqual(['False alarm']);

    // A viewer may look, not judge: refused before any modal, ephemerally, and audited.
    const refused = await throughModal(vic, card, 'False alarm', 'x');
    expect(refused).toBe("⛔ you need the approver or override role in backstop's policy to do this.");
    // Audited just after the reply is sent.
    await waitFor('the refusal in the audit log', async () => {
      const audit = await b.running.deps.pool.query(`select count(*)::int as n from ops.audit_log where action = 'discord.refused' and actor = $1 and subject = 'false alarm button'`, [`discord:${vic.id}`]);
      return audit.rows[0].n === 1;
    });

    // The reason is optional.
    expect(await throughModal(alice, card, 'False alarm', '')).toBe(
      `🏷️ Marked decision ${warned.decision_id} on **payments** in **staging** as a false alarm.\n• \`slow\`: precision 0.00 (1 false alarm in its last 1 decision)`,
    );
    // A second person is told who marked it, and nothing is counted twice.
    expect(await throughModal(bob, card, 'False alarm', 'me too')).toMatch(/^This decision was already marked as a false alarm by alice \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)\. It counts once\.$/);
    const labels = await b.running.deps.pool.query(`select labelled_by, source, reason from ops.false_alarms where decision_id = $1`, [warned.decision_id]);
    expect(labels.rows).toEqual([{ labelled_by: `discord:${alice.id}`, source: 'discord', reason: null }]);
  });

  it('marks a rejected proposal from its card, and the card keeps the record', async () => {
    const decision = await push(await deploy(), { error_rate_per_minute: 9 });
    expect(decision.action).toBe('auto_with_veto');
    const eventId = decision.event_id!;
    const proposed = await emu.waitFor(() => cardOf(eventId));
    expect(field(proposed, 'Approvals')).toContain('Rolls back automatically');
    expect(buttons(proposed)).toEqual(['Approve', 'Reject', 'Details']);
    expect(await throughModal(alice, proposed, 'Reject', 'checkout is fine, it was the load test')).toMatch(/Rejection recorded/);

    const rejected = await emu.waitFor(() => (cardOf(eventId)?.embeds[0].title === '🚫 ROLLBACK REJECTED' && buttons(cardOf(eventId)!).includes('False alarm') ? cardOf(eventId) : undefined));
    expect(buttons(rejected)).toEqual(['Approve (disabled)', 'Reject (disabled)', 'Details', 'False alarm']);
    expect(await throughModal(alice, rejected, 'False alarm', 'the perf team’s load test @everyone')).toBe(
      `🏷️ Marked decision ${decision.decision_id} on **payments** in **staging** as a false alarm.\n• \`error-spike\`: precision 0.00 (1 false alarm in its last 1 decision)`,
    );
    const marked = await emu.waitFor(() => (buttons(cardOf(eventId)!).includes('Marked false alarm (disabled)') ? cardOf(eventId) : undefined));
    expect(field(marked, 'False alarm')).toMatch(/^🏷️ marked as a false alarm by \*\*alice\*\* <t:\d+:R>: the perf team’s load test @\u200beveryone$/);
    expect(marked.allowed_mentions).toEqual({ parse: [] });
  });

  it('marks from the CLI, by the database or through the API, once', async () => {
    const decision = await proposalTurnedDown();
    const marked = await cli(b.childEnv, 'decision', 'false-alarm', String(decision.decision_id), '--reason', 'deploy-day noise', '--as', 'carol');
    expect(marked.code, marked.stderr).toBe(0);
    expect(marked.stdout).toBe(`marked decision ${decision.decision_id} as a false alarm: payments/staging\n  error-spike  precision 0.00 (2 false alarms in its last 2 decisions)\n`);

    const overApi = { ...b.childEnv, BACKSTOP_URL: b.url, BACKSTOP_TOKEN: TOKENS.bob };
    const again = await cli(overApi, 'decision', 'false-alarm', String(decision.decision_id), '--json');
    expect(again.code).toBe(3);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'ALREADY_LABELLED' }, decision_id: decision.decision_id, labelled_by: 'carol' });
    expect(withoutStaleBuildNote(again.stderr)).toMatch(new RegExp(`^decision ${decision.decision_id} was already marked as a false alarm by carol at \\S+; it counts once\\n$`));

    const bad = await cli(b.childEnv, 'decision', 'false-alarm', 'abc');
    expect(bad.code).toBe(1);
    expect(withoutStaleBuildNote(bad.stderr)).toContain('decision_id: expected a decision id (a positive whole number), got "abc"');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const unknown = await cli(overApi, 'decision', 'false-alarm', '987654321');
    expect(unknown.code).toBe(1);
    expect(withoutStaleBuildNote(unknown.stderr)).toBe('error: NOT_FOUND: no health decision 987654321 (decisions are kept for the retention period, 30 days by default)\n');
  });

  it('demotes the rule once its precision falls below the policy, tells the channel once, and the next firing proposes', async () => {
    // Two proposals turned down for other reasons: decisions, but no false alarms.
    await proposalTurnedDown();
    await proposalTurnedDown();
    // The fifth decision of error-spike still counted down: before it, the rule had too few decisions to be judged.
    const fifth = await proposalTurnedDown();
    expect(fifth.action).toBe('auto_with_veto');

    const marked = await b.api('POST', `/api/decisions/${fifth.decision_id}/false-alarm`, 'alice', { reason: 'known noisy dashboard' });
    expect(marked.status, JSON.stringify(marked.body)).toBe(201);
    expect(marked.body).toMatchObject({
      decision_id: fifth.decision_id,
      service: 'payments',
      environment: 'staging',
      event_id: fifth.event_id,
      reason: 'known noisy dashboard',
      labelled_by: 'alice',
      rules: [{ rule: 'error-spike', decisions: 5, false_alarms: 3, precision: 0.4, demoted: true }],
      newly_demoted: ['error-spike'],
    });

    const isNotice = (m: EmulatedMessage) => m.embeds[0]?.title === '📉 Automatic rollback demoted to a proposal';
    const notice = await emu.waitFor(() => emu.messages().find(isNotice));
    expect(notice.embeds[0].description).toBe(
      "`error-spike` on **payments** in **staging** now **proposes a rollback instead of rolling back automatically**: its precision 0.40 (3 false alarms in its last 5 decisions) is below the policy's 0.6.",
    );
    expect(notice.allowed_mentions).toEqual({ parse: [] });

    // Refusals at the API: twice, unknown, bad input, the wrong role.
    const twice = await b.api('POST', `/api/decisions/${fifth.decision_id}/false-alarm`, 'bob', {});
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ error: { code: 'ALREADY_LABELLED' }, labelled_by: 'alice' });
    expect((await b.api('POST', '/api/decisions/987654321/false-alarm', 'alice', {})).body.error.code).toBe('NOT_FOUND');
    for (const [path, body, message] of [
      [`/api/decisions/${fifth.decision_id}/false-alarm`, { reason: 42 }, /^reason: /],
      [`/api/decisions/${fifth.decision_id}/false-alarm`, { reason: '   ' }, /^reason: must not be empty/],
      [`/api/decisions/${fifth.decision_id}/false-alarm`, { because: 'x' }, /because/],
      ['/api/decisions/abc/false-alarm', {}, /decision_id: expected a decision id/],
      ['/api/decisions/0/false-alarm', {}, /decision_id: expected a decision id/],
    ] as const) {
      const res = await b.api('POST', path, 'alice', body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toMatch(message);
    }
    expect((await b.api('POST', `/api/decisions/${fifth.decision_id}/false-alarm`, 'viewer', {})).status).toBe(403);

    // The next firing is a proposal, and its card says why.
    const next = await push(await deploy(), { error_rate_per_minute: 9 });
    expect(next.action).toBe('propose');
    const why = "error-spike proposes instead of rolling back automatically: precision 0.40 (3 false alarms in its last 5 decisions) is below the policy's 0.6";
    expect(next.summary).toContain(why);
    const card = await emu.waitFor(() => cardOf(next.event_id!));
    expect(card.embeds[0].title).toBe('🟠 ROLLBACK PROPOSED');
    expect(field(card, 'Reason')).toContain(why.replace(/_/g, '\\_'));
    expect(field(card, 'Approvals')).not.toContain('Rolls back automatically');

    // One notice, however many deliveries and sweeps ran since.
    await new Promise((r) => setTimeout(r, 1500));
    expect(emu.messages().filter(isNotice)).toHaveLength(1);
    const audit = await b.running.deps.pool.query(`select source::text, count(*)::int as n from ops.audit_log where action = 'decision.false_alarm' group by 1 order by 1`);
    expect(audit.rows).toEqual([
      { source: 'api', n: 1 },
      { source: 'cli', n: 1 },
      { source: 'discord', n: 2 },
    ]);
  });

  it('exports each rule’s precision and its false alarms to Prometheus, as promtool accepts', async () => {
    const text = await (await fetch(`${b.url}/metrics`)).text();
    const labels = (rule: string) => ({ service: 'payments', environment: 'staging', rule });
    // error-spike: the newest 6 decisions (the demoted proposal included), 3 of them false alarms.
    expect(sampleValue(text, 'backstop_rule_precision', labels('error-spike'))).toBe(0.5);
    expect(sampleValue(text, 'backstop_false_alarms_total', labels('error-spike'))).toBe(3);
    expect(sampleValue(text, 'backstop_rule_precision', labels('slow'))).toBe(0);
    expect(sampleValue(text, 'backstop_false_alarms_total', labels('slow'))).toBe(1);
    const verdict = await promtool(['check', 'metrics'], text);
    expect(verdict, verdict.output).toEqual({ code: 0, output: '' });
  });
});
