import { describe, expect, it } from 'vitest';
import { checkMessageLimits, checkSchema } from '@backstop/discord-emulator';
import type { FalseAlarmRow } from '../../../src/db/schema/index.ts';
import { customId, parseCustomId } from '../../../src/discord/custom-ids.ts';
import { demotionMessage } from '../../../src/notify/discord/cards/false-alarm.ts';
import { rollbackCard } from '../../../src/notify/discord/cards/rollback-card.ts';
import { warningMessage } from '../../../src/notify/discord/cards/warning.ts';
import { eventRow, EVENT_ID, NOW } from '../../support/rollback-rows.ts';

const problems = (body: object) => [...checkSchema('MessageCreateRequestSchema', body), ...checkMessageLimits(body as Record<string, unknown>)];
const buttons = (body: { components: Array<{ components: Array<{ label?: string; disabled?: boolean; custom_id?: string }> }> }) =>
  body.components.flatMap((row) => row.components.map((b) => `${b.label}${b.disabled ? ' (disabled)' : ''}`));

const label = (over: Partial<FalseAlarmRow> = {}): FalseAlarmRow => ({
  decisionId: 42,
  service: 'payments',
  environment: 'production',
  rules: ['error-rate-critical'],
  deploymentId: '11111111-1111-4111-8111-111111111111',
  eventId: EVENT_ID,
  labelledBy: 'discord:100000000000000001',
  labelledByName: 'alice',
  source: 'discord',
  reason: 'a load test @everyone',
  labelledAt: NOW,
  demoted: null,
  noticeMessageId: null,
  ...over,
});

describe('the False alarm button', () => {
  it('is on every warning, naming its decision', () => {
    const body = warningMessage({ kind: 'health_warning', decisionId: 42, deploymentId: '11111111-1111-4111-8111-111111111111', service: 'payments', environment: 'production', summary: 'Slow', evidence: [] });
    expect(buttons(body)).toEqual(['False alarm']);
    expect(parseCustomId((body.components[0]!.components[0] as { custom_id: string }).custom_id)).toEqual({ action: 'false-alarm', decisionId: 42 });
    expect(body.embeds[0]!.footer!.text).toContain('decision 42');
    expect(problems(body)).toEqual([]);
  });

  it('is on a proposal people turned down, and spent once someone marked it', () => {
    const rejected = eventRow({ status: 'rejected', statusReason: 'rejected by alice', completedAt: NOW });
    expect(buttons(rollbackCard({ event: rejected, votes: [], now: NOW, falseAlarm: { decisionId: 42, label: null } }))).toEqual([
      'Approve (disabled)',
      'Reject (disabled)',
      'Details',
      'False alarm',
    ]);
    const marked = rollbackCard({ event: rejected, votes: [], now: NOW, falseAlarm: { decisionId: 42, label: label() } });
    expect(marked.embeds[0]!.footer!.text).toBe(`event ${EVENT_ID} · policy p1 · decision 42`);
    expect(buttons(marked)).toEqual(['Approve (disabled)', 'Reject (disabled)', 'Details', 'Marked false alarm (disabled)']);
    const field = marked.embeds[0]!.fields!.find((f) => f.name === 'False alarm')!.value;
    expect(field).toBe(`🏷️ marked as a false alarm by **alice** <t:${NOW.getTime() / 1000}:R>: a load test @\u200beveryone`);
    expect(marked.allowed_mentions).toEqual({ parse: [] });
    expect(problems(marked)).toEqual([]);
    const cancelled = eventRow({ status: 'cancelled', completedAt: NOW });
    expect(buttons(rollbackCard({ event: cancelled, votes: [], now: NOW, falseAlarm: { decisionId: 42, label: null } }))).toContain('False alarm');
  });

  it('is not offered while a rollback waits, runs or succeeded, nor when the constitution (not a person) refused it', () => {
    for (const status of ['awaiting_approval', 'running', 'succeeded'] as const) {
      expect(buttons(rollbackCard({ event: eventRow({ status }), votes: [], now: NOW, falseAlarm: { decisionId: 42, label: null } }))).not.toContain('False alarm');
    }
    const refused = eventRow({ status: 'rejected', constitutionalValidation: { compliant: false, violations: ['no target'], warnings: [], laws: [], policy_version: 'p1' } });
    const card = rollbackCard({ event: refused, votes: [], now: NOW, falseAlarm: { decisionId: 42, label: null } });
    expect(card.embeds[0]!.title).toBe('🚫 CONSTITUTIONAL VIOLATION');
    expect(buttons(card)).not.toContain('False alarm');
  });

  it('parses strictly: a decision id is a positive whole number', () => {
    expect(parseCustomId(customId.falseAlarmModal(7))).toEqual({ action: 'false-alarm-modal', decisionId: 7 });
    for (const raw of ['bs:false-alarm:0', 'bs:false-alarm:-1', 'bs:false-alarm:1.5', 'bs:false-alarm:01', 'bs:false-alarm:', `bs:false-alarm:${'9'.repeat(16)}`]) expect(parseCustomId(raw), raw).toBeNull();
  });
});

describe('the demotion notice', () => {
  it('names the rule, the service and environment, the numbers and the threshold, and pings nobody', () => {
    const body = demotionMessage(label({ service: 'pay_ments', demoted: [{ rule: 'error-rate-critical', decisions: 5, false_alarms: 3, precision: 0.4, demote_below: 0.8 }] }));
    expect(body.embeds[0]!.title).toBe('📉 Automatic rollback demoted to a proposal');
    expect(body.embeds[0]!.description).toBe(
      "`error-rate-critical` on **pay\\_ments** in **production** now **proposes a rollback instead of rolling back automatically**: its precision 0.40 (3 false alarms in its last 5 decisions) is below the policy's 0.8.",
    );
    expect(body.embeds[0]!.fields![0]!.value).toContain('@\u200beveryone');
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(problems(body)).toEqual([]);
  });
});
