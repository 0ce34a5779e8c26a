import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { insertEscalation } from '../../src/db/queries/escalations.ts';
import { automationHolds, deployments, falseAlarms, healthDecisions, rollbackEvents, type RollbackEventRow } from '../../src/db/schema/index.ts';
import { createDiscordNotifier, type DiscordNotifier } from '../../src/notify/discord/discord-notifier.ts';
import { createChannelApi, createDiscordRest } from '../../src/discord/rest.ts';
import { startDiscordEmulator, type DiscordEmulator, type EmulatedMessage } from '@backstop/discord-emulator';
import { createLogger } from '../../src/logging/logger.ts';
import type { NoticeKind } from '../../src/notify/notifier.ts';
import { noticeFor } from '../../src/notify/notice-for.ts';
import { samplePlan } from '../support/sample-plan.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// The Discord notifier against the emulator and a real database: an outcome or an escalation is announced once,
// in the same words, whether the live notice delivers it or the delivery sweep does after an outage.

const logger = createLogger({ level: 'silent', name: 'discord-outcomes-test' });
const RECHECK = 'rollback did not restore health: error rate 20/min > 5/min';
const BREAKER = 'circuit breaker open: 3 automatic rollbacks of payments in production within 60 min; proposing instead';

describe('outcome and escalation messages', () => {
  let emu: DiscordEmulator;
  let tdb: TestDatabase;
  let database: Database;
  let notifier: DiscordNotifier;
  let oncall: string;
  // The sweep leaves the last 5 s to the live path: tests move the notifier's clock past that instead of waiting.
  let skewMs = 0;
  const clock = () => new Date(Date.now() + skewMs);

  beforeAll(async () => {
    emu = await startDiscordEmulator();
    oncall = emu.createRole('on-call');
    tdb = await createTestDatabase();
    database = createDatabase(tdb.url, logger);
    notifier = createDiscordNotifier({
      db: database.db,
      api: createChannelApi(createDiscordRest(emu.botToken, emu.apiUrl)),
      channelId: emu.channelId,
      guildId: emu.guildId,
      oncallRoleId: oncall,
      logger,
      clock,
      // The notifier's own wait between delivery attempts (retryBaseMs keeps it short), not a test pause.
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      attempts: 2,
      retryBaseMs: 10,
      editIntervalMs: 50,
    });
  });
  afterAll(async () => {
    await notifier?.drain();
    await database?.close();
    await tdb?.drop();
    await emu?.close();
  });
  afterEach(() => {
    emu.setOutage(null);
    expect(emu.violations).toEqual([]);
  });

  /** A rollback of payments in production from v2.5.3 to v2.5.2 as the pipeline leaves it, in its final status. */
  async function rollback(status: RollbackEventRow['status'], statusReason: string | null = null): Promise<RollbackEventRow> {
    const [from] = await database.db.insert(deployments).values({ service: 'payments', environment: 'production', version: 'v2.5.3', gitCommit: 'b81c0de' }).returning();
    const now = clock();
    const [event] = await database.db
      .insert(rollbackEvents)
      .values({
        eventId: randomUUID(),
        deploymentId: from!.deploymentId,
        service: 'payments',
        environment: 'production',
        triggerType: 'automatic',
        triggerReason: 'High error rate (8.5 errors/minute)',
        status,
        statusReason,
        rollbackPlan: samplePlan,
        planHash: 'h1',
        constitutionalValidation: { compliant: true, violations: [], warnings: [], laws: [], policy_version: 'p1' },
        approvalsRequired: 0,
        initiatedAt: now,
        completedAt: status === 'awaiting_approval' ? null : now,
        updatedAt: now,
      })
      .returning();
    return event!;
  }

  /** What the recheck writes when a rollback did not restore health: the decision and the automation hold. */
  async function recheckFailed(event: RollbackEventRow): Promise<void> {
    const base = { deploymentId: event.deploymentId, service: event.service, environment: event.environment, eventId: event.eventId };
    await database.db.insert(healthDecisions).values({ ...base, action: 'recheck_failed', summary: RECHECK, evidence: {}, decidedAt: clock() });
    await database.db.insert(automationHolds).values({ service: event.service, environment: event.environment, reason: RECHECK, eventId: event.eventId });
  }

  // The notice's own words are deliberately different each time: the message must not depend on them.
  const notify = (event: RollbackEventRow, kind: NoticeKind) => notifier.notify(noticeFor(event, kind, `${kind} said by ${randomUUID()}`));
  const posted = (eventId: string) => emu.messages().filter((m) => m.embeds[0]?.footer?.text === `event ${eventId}` && m.components.length === 0);
  const cardOf = (eventId: string) => emu.messages().find((m) => m.embeds[0]?.footer?.text?.startsWith(`event ${eventId}`) && m.components.length > 0);
  /** The message as Discord received it, with the two ids that differ between rollbacks named instead. */
  const body = (m: EmulatedMessage, eventId: string) =>
    JSON.parse(JSON.stringify({ content: m.content, embeds: m.embeds, components: m.components, allowed_mentions: m.allowed_mentions }).replaceAll(eventId, 'EVENT').replaceAll(cardOf(eventId)!.id, 'CARD'));

  /** Runs `during` while Discord is down for the channel, until the live path has given up; then sweeps. */
  async function throughAnOutage(during: () => Promise<void>): Promise<void> {
    emu.setOutage((_method, path) => path.startsWith('/channels/'));
    await during();
    await notifier.drain(30_000);
    emu.setOutage(null);
    skewMs += 10_000;
    await notifier.sweep();
    await notifier.drain(30_000);
  }

  it('says the same, word for word, whether an outcome is delivered live or by the sweep after an outage', async () => {
    const live = await rollback('succeeded');
    await notify(live, 'started');
    await notify(live, 'succeeded');
    await notifier.drain();
    expect(posted(live.eventId)).toHaveLength(1);

    const swept = await rollback('succeeded');
    await throughAnOutage(async () => {
      await notify(swept, 'started');
      await notify(swept, 'succeeded');
      await notifier.drain(30_000);
      expect(emu.messages().filter((m) => m.embeds[0]?.footer?.text?.startsWith(`event ${swept.eventId}`))).toEqual([]);
    });
    expect(posted(swept.eventId)).toHaveLength(1);
    const [liveBody, sweptBody] = [body(posted(live.eventId)[0]!, live.eventId), body(posted(swept.eventId)[0]!, swept.eventId)];
    expect(sweptBody).toEqual(liveBody);
    expect(liveBody.embeds[0].title).toBe('✅ Rollback completed successfully');
    expect(liveBody.embeds[0].description).toBe(
      `**payments** in **production** · \`v2.5.3\` → \`v2.5.2\`\nRolled back to \`v2.5.2\` and verified healthy.\n[Rollback card](https://discord.com/channels/${emu.guildId}/${emu.channelId}/CARD)`,
    );

    // Announced once: later sweeps find nothing owed.
    skewMs += 10_000;
    expect(await notifier.sweep()).toEqual({ cards: 0, outcomes: 0, freezes: 0, demotions: 0 });
    expect(posted(swept.eventId)).toHaveLength(1);
  });

  it('pages on-call once for a rollback that did not restore health, even when Discord was down when it was decided', async () => {
    const live = await rollback('succeeded');
    await notify(live, 'succeeded');
    await recheckFailed(live);
    await notify(live, 'escalated');
    await notifier.drain();

    const swept = await rollback('succeeded');
    await notify(swept, 'succeeded');
    await notifier.drain();
    await throughAnOutage(async () => {
      await recheckFailed(swept);
      await notify(swept, 'escalated');
    });

    const pages = (eventId: string) => posted(eventId).filter((m) => m.content === `<@&${oncall}>`);
    expect(pages(swept.eventId)).toHaveLength(1);
    const page = body(pages(swept.eventId)[0]!, swept.eventId);
    expect(page).toEqual(body(pages(live.eventId)[0]!, live.eventId));
    expect(page.allowed_mentions).toEqual({ parse: [], roles: [oncall] });
    expect(page.embeds[0].title).toBe('🚨 Rollback did not restore health: automation paused');
    expect(page.embeds[0].description.split('\n').slice(1, 3)).toEqual([
      RECHECK,
      'Automatic rollbacks of **payments** in **production** are paused until someone acknowledges: `backstop automation ack payments production`',
    ]);
    skewMs += 10_000;
    expect((await notifier.sweep()).outcomes).toBe(0);
    expect(pages(swept.eventId)).toHaveLength(1);
  });

  it('tells the channel once that a rule was demoted for false alarms, in the same words live or after an outage', async () => {
    /** The label that pushed error-rate-critical below the policy, as labelling leaves it. */
    const demotingLabel = async (decisionId: number) => {
      const [from] = await database.db.insert(deployments).values({ service: 'payments', environment: 'production', version: 'v2.5.3', gitCommit: 'b81c0de' }).returning();
      await database.db.insert(falseAlarms).values({
        decisionId,
        service: 'payments',
        environment: 'production',
        rules: ['error-rate-critical'],
        deploymentId: from!.deploymentId,
        labelledBy: 'discord:100000000000000001',
        labelledByName: 'alice',
        source: 'discord',
        reason: 'load test',
        labelledAt: clock(),
        demoted: [{ rule: 'error-rate-critical', decisions: 5, false_alarms: 3, precision: 0.4, demote_below: 0.8 }],
      });
      return { decisionId, eventId: null, service: 'payments', environment: 'production', demoted: ['error-rate-critical'] };
    };
    const notices = (decisionId: number) => emu.messages().filter((m) => m.embeds[0]?.footer?.text === `decision ${decisionId}`);
    const words = (m: EmulatedMessage, decisionId: number) => JSON.parse(JSON.stringify({ embeds: m.embeds, allowed_mentions: m.allowed_mentions }).replaceAll(`ecision ${decisionId}`, 'ecision N').replace(/<t:\d+:R>/g, '<t:T:R>'));

    await notifier.falseAlarm!(await demotingLabel(9001));
    await notifier.drain();
    expect(notices(9001)).toHaveLength(1);
    await throughAnOutage(async () => {
      await notifier.falseAlarm!(await demotingLabel(9002));
      await notifier.drain(30_000);
      expect(notices(9002)).toEqual([]);
    });
    expect(notices(9002)).toHaveLength(1);
    expect(words(notices(9002)[0]!, 9002)).toEqual(words(notices(9001)[0]!, 9001));
    expect(notices(9001)[0]!.embeds[0].title).toBe('📉 Automatic rollback demoted to a proposal');
    skewMs += 10_000;
    expect((await notifier.sweep()).demotions).toBe(0);
    expect(notices(9002)).toHaveLength(1);
  });

  it('re-sends an open circuit breaker after an outage, and a later escalation of the same rollback as its own page', async () => {
    const proposal = await rollback('awaiting_approval');
    await throughAnOutage(async () => {
      await notify(proposal, 'requested');
      await insertEscalation(database.db, proposal, { action: 'circuit_breaker_open', summary: BREAKER, evidence: {} });
      await notify(proposal, 'escalated');
    });
    expect(posted(proposal.eventId).map((m) => m.embeds[0].title)).toEqual(['🚨 Circuit breaker open: a person must approve this rollback']);

    // Approved, rolled back, and the later check finds it did not help: a second, different page.
    await database.db.update(rollbackEvents).set({ status: 'succeeded', completedAt: clock(), updatedAt: clock() }).where(eq(rollbackEvents.eventId, proposal.eventId));
    const done = { ...proposal, status: 'succeeded' as const };
    await notify(done, 'succeeded');
    await recheckFailed(done);
    await notify(done, 'escalated');
    await notifier.drain();
    expect(posted(proposal.eventId).map((m) => m.embeds[0].title)).toEqual([
      '🚨 Circuit breaker open: a person must approve this rollback',
      '✅ Rollback completed successfully',
      '🚨 Rollback did not restore health: automation paused',
    ]);
    skewMs += 10_000;
    expect((await notifier.sweep()).outcomes).toBe(0);
  });
});
