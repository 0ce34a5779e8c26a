import { describe, expect, it } from 'vitest';
import { outcomeMessage, type Outcome } from '../../../src/notify/discord/cards/outcome.ts';
import { finalOutcomeKind, outcomesOf } from '../../../src/notify/discord/outcomes-owed.ts';
import { checkMessageLimits, checkSchema } from '@backstop/discord-emulator';
import { CONSTITUTION_REFUSED } from '../../../src/admission/request-rollback.ts';
import { decisionRow, EVENT_ID, eventRow, NOW } from '../../support/rollback-rows.ts';

// Every outcome message comes from the rows alone (live or re-sent by the sweep), so these tables are the words
// on-call reads, whichever process delivered them.

const ONCALL = '999999999999999999';
const problems = (body: object) => [...checkSchema('MessageCreateRequestSchema', body), ...checkMessageLimits(body as Record<string, unknown>)];
const HEAD = '**payments** in **production** · `v2.5.3` → `v2.5.2`';
const final = (over: Parameters<typeof eventRow>[0]) => eventRow({ completedAt: NOW, ...over });
const only = (event: ReturnType<typeof eventRow>, escalations: ReturnType<typeof decisionRow>[] = []) => {
  const [outcome, ...rest] = outcomesOf(event, escalations);
  expect(rest).toEqual([]);
  return outcome!;
};

describe('outcome messages', () => {
  it.each<[string, Parameters<typeof eventRow>[0], string, string[]]>([
    ['a success', { status: 'succeeded' }, '✅ Rollback completed successfully', ['Rolled back to `v2.5.2` and verified healthy.']],
    [
      'a success on health alone',
      { status: 'succeeded', statusReason: 'executor outcome unknown: the worker died after starting it; health is good' },
      '✅ Rollback completed successfully',
      ['Rolled back to `v2.5.2` and verified healthy.', '⚠️ executor outcome unknown: the worker died after starting it; health is good'],
    ],
    ['a failure', { status: 'failed', statusReason: 'verification failed: error rate 9/min > 5/min' }, '❌ Rollback failed: requires manual intervention', ['verification failed: error rate 9/min > 5/min']],
    [
      'an expired approval',
      { status: 'expired', statusReason: 'approval window expired before enough people approved' },
      '⌛ Rollback approval expired: on-call must decide',
      ['approval window expired before enough people approved', 'Nothing was rolled back.'],
    ],
    [
      'a refusal by the constitution',
      { status: 'rejected', statusReason: CONSTITUTION_REFUSED, constitutionalValidation: { compliant: false, violations: ['Law 1: migration 0042 has no rollback script'], warnings: [], laws: [], policy_version: 'p1' } },
      '🚨 Constitutional violation: rollback rejected',
      ['Refused by the constitution:', '• Law 1: migration 0042 has no rollback script'],
    ],
  ])('say what happened for %s, from the event row', (_, over, title, said) => {
    const msg = outcomeMessage(only(final(over)), { oncallRoleId: ONCALL });
    expect(msg.embeds[0]!.title).toBe(title);
    expect(msg.embeds[0]!.description).toBe([HEAD, ...said].join('\n'));
    expect(msg.embeds[0]!.footer).toEqual({ text: `event ${EVENT_ID}` });
    expect(problems(msg)).toEqual([]);
  });

  it('page the on-call role, and only that role, when a person must act; never on success', () => {
    const failed = outcomeMessage(only(final({ status: 'failed', statusReason: 'x' })), { oncallRoleId: ONCALL });
    expect(failed.content).toBe(`<@&${ONCALL}>`);
    expect(failed.allowed_mentions).toEqual({ parse: [], roles: [ONCALL] });
    const ok = outcomeMessage(only(final({ status: 'succeeded' })), { oncallRoleId: ONCALL });
    expect(ok.content).toBeUndefined();
    expect(ok.allowed_mentions).toEqual({ parse: [] });
    expect(outcomeMessage(only(final({ status: 'failed', statusReason: 'x' })), {}).allowed_mentions).toEqual({ parse: [] });
  });

  it('escalate a rollback that did not restore health with the hold and how to release it', () => {
    const recheck = decisionRow({ action: 'recheck_failed', summary: 'rollback did not restore health: error rate 20/min > 5/min' });
    const [, escalation] = outcomesOf(final({ status: 'succeeded', completedAt: new Date(NOW.getTime() - 60_000) }), [recheck]);
    const page = outcomeMessage(escalation!, { oncallRoleId: ONCALL, cardUrl: 'https://discord.com/channels/1/2/3' });
    expect(page.embeds[0]!.title).toBe('🚨 Rollback did not restore health: automation paused');
    expect(page.embeds[0]!.description).toBe(
      [
        HEAD,
        'rollback did not restore health: error rate 20/min > 5/min',
        'Automatic rollbacks of **payments** in **production** are paused until someone acknowledges: `backstop automation ack payments production`',
        '[Rollback card](https://discord.com/channels/1/2/3)',
      ].join('\n'),
    );
    expect(page.content).toBe(`<@&${ONCALL}>`);
    expect(problems(page)).toEqual([]);
  });

  it('escalate an open circuit breaker on the proposal it turned an automatic rollback into', () => {
    const breaker = decisionRow({ action: 'circuit_breaker_open', summary: 'circuit breaker open: 3 automatic rollbacks of payments in production within 60 min; proposing instead' });
    const msg = outcomeMessage(only(eventRow(), [breaker]), { oncallRoleId: ONCALL });
    expect(msg.embeds[0]!.title).toBe('🚨 Circuit breaker open: a person must approve this rollback');
    expect(msg.embeds[0]!.description).toBe(`${HEAD}\ncircuit breaker open: 3 automatic rollbacks of payments in production within 60 min; proposing instead`);
  });

  it('make user text inert and stay within the limits whatever the reason holds', () => {
    const msg = outcomeMessage(only(final({ status: 'failed', statusReason: `@everyone <@&1234> **x** ${'y'.repeat(10_000)}` })), { oncallRoleId: ONCALL });
    expect(msg.embeds[0]!.description).not.toMatch(/@everyone|<@&/);
    expect(msg.embeds[0]!.description).toMatch(/… \(truncated\)$/);
    expect(msg.allowed_mentions).toEqual({ parse: [], roles: [ONCALL] });
    expect(problems(msg)).toEqual([]);
  });
});

describe('what a rollback owes the channel', () => {
  it.each<[string, Parameters<typeof eventRow>[0], string | null]>([
    ['succeeded', { status: 'succeeded' }, 'succeeded'],
    ['failed', { status: 'failed' }, 'failed'],
    ['expired', { status: 'expired' }, 'expired'],
    ['refused at request', { status: 'rejected', statusReason: CONSTITUTION_REFUSED }, 'constitutional_violation'],
    ['refused by the worker', { status: 'rejected', statusReason: `${CONSTITUTION_REFUSED}: Law 4: another rollback is in flight` }, 'constitutional_violation'],
    ['rejected by a person (they were there)', { status: 'rejected', statusReason: 'rejected by carol: not the deploy' }, null],
    ['cancelled', { status: 'cancelled', statusReason: 'cancelled by carol: test done' }, null],
    ['still awaiting approval', { status: 'awaiting_approval' }, null],
  ])('%s', (_, over, kind) => expect(finalOutcomeKind(eventRow(over))).toBe(kind));

  it('one message per final status and one per escalation, in the order they happened', () => {
    const breaker = decisionRow({ id: 7, action: 'circuit_breaker_open', summary: 'breaker', decidedAt: new Date(NOW.getTime() - 600_000) });
    const recheck = decisionRow({ id: 9, action: 'recheck_failed', summary: 'recheck', decidedAt: new Date(NOW.getTime() + 600_000) });
    const owed: Outcome[] = outcomesOf(final({ status: 'succeeded' }), [recheck, breaker]);
    expect(owed.map((o) => [o.kind, o.purpose])).toEqual([
      ['escalated', 'outcome:escalated:7'],
      ['succeeded', 'outcome:succeeded'],
      ['escalated', 'outcome:escalated:9'],
    ]);
  });
});
