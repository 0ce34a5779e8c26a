import { describe, expect, it } from 'vitest';
import type { ApprovalRow } from '../../../src/db/schema/index.ts';
import { rollbackCard } from '../../../src/notify/discord/cards/rollback-card.ts';
import { fitEmbeds, LIMITS } from '../../../src/discord/limits.ts';
import { codeText, userText } from '../../../src/discord/text.ts';
import { deploymentLabel } from '../../../src/notify/discord/cards/format.ts';
import { eventRow, NOW } from '../../support/rollback-rows.ts';
import { checkMessageLimits, checkSchema } from '@backstop/discord-emulator';

// The emulator's own checks: Discord's OpenAPI schemas plus the limits the schemas do not state.
const problems = (route: 'MessageCreateRequestSchema' | 'MessageEditRequestPartialSchema', body: object) => [...checkSchema(route, body), ...checkMessageLimits(body as Record<string, unknown>)];

const event = eventRow;

const vote = (approver: string, name: string): ApprovalRow => ({
  id: 1,
  eventId: event().eventId,
  approver,
  approverName: name,
  decision: 'approve',
  reason: 'ok',
  source: 'discord',
  planHash: 'h1',
  withOverrideRole: false,
  decidedAt: NOW,
});

const field = (body: ReturnType<typeof rollbackCard>, name: string) => body.embeds[0]!.fields!.find((f) => f.name === name)?.value;
const totalLength = (body: ReturnType<typeof rollbackCard>) =>
  body.embeds.reduce((n, e) => n + (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.fields ?? []).reduce((m, f) => m + f.name.length + f.value.length, 0), 0);

describe('the rollback card', () => {
  it("shows the seed's alert fields, the evidence, approvals k/N with names and the expiry as a relative time", () => {
    const card = rollbackCard({ event: event(), votes: [vote('discord:1', 'alice')], now: NOW });
    expect(card.embeds[0]!.title).toBe('🟠 ROLLBACK PROPOSED');
    expect(field(card, 'Deployment')).toContain('v2.5.3');
    expect(field(card, 'Target')).toContain('v2.5.2');
    expect(field(card, 'Trigger')).toBe('Automatic');
    expect(field(card, 'Constitutional Status')).toBe('PASSED');
    expect(field(card, 'Evidence')).toBe('`error_rate_per_minute` = **8.5** > 5 over 5m');
    expect(field(card, 'Approvals')).toContain('1/2 approvals (alice)');
    expect(field(card, 'Approvals')).toContain(`<t:${Date.parse('2026-11-22T14:17:00.000Z') / 1000}:R>`);
    expect(card.components[0]!.components.map((b) => ['label' in b ? b.label : null, b.disabled])).toEqual([['Approve', false], ['Reject', false], ['Details', undefined]]);
    expect(card.allowed_mentions).toEqual({ parse: [] });
    expect(problems('MessageCreateRequestSchema', card)).toEqual([]);
  });

  it('disables Approve and Reject once resolved, and shows the steps with a progress bar', () => {
    const card = rollbackCard({
      event: event({
        status: 'running',
        approvedAt: new Date('2026-11-22T14:03:00.000Z'),
        startedAt: new Date('2026-11-22T14:03:00.000Z'),
        rollbackSteps: [{ step: 'execute', status: 'running', attempt: 1, started_at: '2026-11-22T14:03:01.000Z' }],
      }),
      votes: [],
      now: NOW,
      liveLine: 'deploying v2.5.2',
    });
    expect(card.embeds[0]!.title).toBe('🔄 ROLLBACK IN PROGRESS');
    expect(field(card, 'Progress')).toMatch(/^▰▰▱▱▱ 2\/5 · 2 min 0 s\n✅ validate\n✅ snapshot\n🔄 execute\n⬜ verify\n⬜ finish\n> deploying v2.5.2$/);
    expect(card.components[0]!.components.map((b) => b.disabled)).toEqual([true, true, undefined]);
    expect(problems('MessageEditRequestPartialSchema', card)).toEqual([]);
  });

  it('says plainly when a rollback succeeded on health alone because the worker lost track of its executor', () => {
    const at = '2026-11-22T14:03:01.000Z';
    const card = rollbackCard({
      event: event({
        status: 'succeeded',
        statusReason: 'executor outcome unknown: the worker died after starting it; health is good',
        completedAt: NOW,
        rollbackSteps: [
          { step: 'validate', status: 'done', attempt: 1, started_at: at, finished_at: at },
          { step: 'snapshot', status: 'done', attempt: 1, started_at: at, finished_at: at },
          { step: 'execute', status: 'interrupted', attempt: 1, started_at: at, finished_at: at, detail: { started: { pid: 4242 } } },
          { step: 'verify', status: 'done', attempt: 2, started_at: at, finished_at: at },
          { step: 'finish', status: 'done', attempt: 2, started_at: at, finished_at: at },
        ],
      }),
      votes: [],
      now: NOW,
    });
    expect(field(card, 'Progress')).toContain('⚠️ execute');
    expect(field(card, 'Outcome')).toBe('executor outcome unknown: the worker died after starting it; health is good');
    expect(problems('MessageEditRequestPartialSchema', card)).toEqual([]);
  });

  it('shows who approved or rejected and why under the count, with markdown and mentions made inert', () => {
    const votes = [
      { ...vote('discord:1', 'alice'), reason: 'error rate confirmed on the dashboard' },
      { ...vote('discord:2', '@everyone **bob**'), decision: 'reject' as const, reason: '<@&123456789012345678> not the deploy' },
      { ...vote('discord:3', 'carol'), planHash: 'h0', reason: 'looked fine' },
    ];
    const card = rollbackCard({ event: event(), votes, now: NOW });
    expect(field(card, 'Approvals')!.split('\n').slice(2)).toEqual([
      '✅ **alice** approved: error rate confirmed on the dashboard',
      '🚫 **@\u200beveryone \\*\\*bob\\*\\*** rejected: <\u200b@\u200b&123456789012345678> not the deploy',
      '✅ **carol** approved an earlier plan: looked fine',
    ]);
    expect(problems('MessageEditRequestPartialSchema', card)).toEqual([]);
  });

  it('gives every approver a share of the Approvals field when five reasons of 1,000 characters arrive', () => {
    const votes = ['alice', 'bob', 'carol', 'dave', 'erin'].map((name, i) => ({ ...vote(`discord:${i}`, name), reason: `${name} `.padEnd(1000, 'r') }));
    const card = rollbackCard({ event: event({ triggerReason: 'x'.repeat(1000) }), votes, now: NOW });
    const lines = field(card, 'Approvals')!.split('\n');
    expect(field(card, 'Approvals')!.length).toBeLessThanOrEqual(LIMITS.fieldValue);
    expect(lines.slice(2).map((l) => /^✅ \*\*(\w+)\*\* approved: \1 r+… \(truncated\)$/.exec(l)?.[1])).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    expect(totalLength(card)).toBeLessThanOrEqual(LIMITS.total);
    expect(problems('MessageCreateRequestSchema', card)).toEqual([]);
  });

  it('truncates a 10,000-character reason visibly and stays within every embed limit', () => {
    const card = rollbackCard({ event: event({ triggerReason: 'x'.repeat(10_000), triggerData: { note: 'y'.repeat(10_000) } }), votes: [], now: NOW });
    expect(field(card, 'Reason')).toMatch(/… \(truncated\)$/);
    expect(field(card, 'Reason')!.length).toBeLessThanOrEqual(LIMITS.fieldValue);
    expect(totalLength(card)).toBeLessThanOrEqual(LIMITS.total);
    expect(problems('MessageCreateRequestSchema', card)).toEqual([]);
  });

  it('renders @everyone, role mentions and markdown in user text inert', () => {
    const card = rollbackCard({ event: event({ triggerReason: '@everyone <@&123456789012345678> **bold** `code`', triggerType: 'manual', initiatedBy: 'discord:1' }), votes: [], now: NOW });
    const reason = field(card, 'Reason')!;
    expect(reason).not.toContain('@everyone');
    expect(reason).not.toContain('<@&');
    expect(reason).toContain('\\*\\*bold\\*\\*');
    expect(card.allowed_mentions).toEqual({ parse: [] });
  });

  it("shows a baseline rule's comparison as its evidence, with a CI-written version made inert", () => {
    const comparison = "errors/requests 4.0× @everyone**v1**'s (@everyone**v1**: 0.5%, now 2%; 99% interval 1.15–10.6×; 1,240 requests now, 6,000 before): more than the +10% allowed";
    const card = rollbackCard({
      event: event({ triggerData: { rule: 'errors-vs-stable', metric: 'errors', test: 'rate', against: 'canary', baseline_version: '@everyone**v1**', effect: 4.03, comparison } }),
      votes: [],
      now: NOW,
    });
    const evidence = field(card, 'Evidence')!;
    expect(evidence).toContain('4.0×');
    expect(evidence).toContain('99% interval 1.15–10.6×; 1,240 requests now');
    expect(evidence).not.toContain('@everyone');
    expect(evidence).not.toContain('**v1**');
    expect(problems('MessageCreateRequestSchema', card)).toEqual([]);
  });

  it('keeps code spans closed: a backtick in a version or metric cannot end one early', () => {
    // Discord shows a code span literally, so escaping inside one would print backslashes (the sandbox showed it);
    // a backtick is the one character that matters there.
    expect(codeText('v1`**@everyone**`')).toBe('v1ˋ**@everyone**ˋ');
    expect(codeText('error_rate_per_minute')).toBe('error_rate_per_minute');
    expect(deploymentLabel({ version: 'v2`x', deployment_id: '3f2a9c1e-7b4d-4e8a-9f0c-1d2e3f4a5b6c' })).toBe('`v2ˋx` (3f2a9c1e)');
  });
});

// Outcome messages are rendered from the rows: see outcome-message.test.ts.

describe('fitEmbeds', () => {
  it('keeps 25 fields of 1024 characters within the 6000 total', () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, value: 'v'.repeat(2000) }));
    const [embed] = fitEmbeds([{ title: 't', fields }]);
    expect(embed!.fields).toHaveLength(25);
    const total = 1 + embed!.fields!.reduce((n, f) => n + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(6000);
    expect(embed!.fields!.every((f) => f.value.endsWith('… (truncated)'))).toBe(true);
  });
});

describe('userText', () => {
  it.each([
    ['@everyone', '@\u200beveryone'],
    ['@here', '@\u200bhere'],
    ['<@123>', '<\u200b@\u200b123>'],
    ['_x_', '\\_x\\_'],
  ])('%s → %s', (input, expected) => expect(userText(input)).toBe(expected));
});
