import { describe, expect, it } from 'vitest';
import { checkMessageLimits, checkSchema } from '@backstop/discord-emulator';
import type { DeployPassRow, FreezeRow } from '../../../src/db/schema/index.ts';
import type { FrozenPair } from '../../../src/freeze/list-freezes.ts';
import { parseCustomId } from '../../../src/discord/custom-ids.ts';
import { LIMITS } from '../../../src/discord/limits.ts';
import { freezeCard, freezeCardState } from '../../../src/notify/discord/cards/freeze-card.ts';
import { freezeListEmbed } from '../../../src/notify/discord/cards/freeze-list.ts';
import { passCard, passCardState } from '../../../src/notify/discord/cards/pass-card.ts';

// The freeze card, the pass message and the /freeze list page as pure functions of their rows: every state, inert
// user text, Discord's schemas and limits.

const problems = (body: object) => [...checkSchema('MessageCreateRequestSchema', body), ...checkMessageLimits(body as Record<string, unknown>)];
const NOW = new Date('2026-11-22T14:00:00.000Z');
const at = (iso: string) => new Date(iso);

const freeze = (over: Partial<FreezeRow> = {}): FreezeRow => ({
  freezeId: '5b0c1f7e-2a43-4d8e-9f61-0c7b9e3a2d14',
  service: 'payments',
  environment: 'production',
  reason: 'quarter-end close',
  setBy: 'discord:100',
  setByName: 'alice',
  startsAt: at('2026-11-22T12:00:00.000Z'),
  endsAt: at('2026-11-22T16:00:00.000Z'),
  liftedAt: null,
  liftedBy: null,
  liftReason: null,
  ...over,
});

const pass = (over: Partial<DeployPassRow> = {}): DeployPassRow => ({
  passId: '8e2d4c6a-1b3f-4a5e-9c7d-2f0e1a3b5c7d',
  service: 'payments',
  environment: 'production',
  version: 'v2.5.4',
  reason: 'hotfix for checkout',
  requestedBy: 'discord:200',
  requestedByName: 'olga',
  requestedAt: at('2026-11-22T13:50:00.000Z'),
  grantedBy: null,
  grantedByName: null,
  grantedAt: null,
  expiresAt: at('2026-11-22T14:50:00.000Z'),
  usedByDeployment: null,
  usedAt: null,
  ...over,
});

const field = (body: ReturnType<typeof freezeCard>, name: string) => body.embeds[0]!.fields!.find((f) => f.name === name)?.value;
const buttons = (body: ReturnType<typeof freezeCard>) => body.components[0]!.components.map((b) => `${'label' in b ? b.label : ''}${b.disabled ? ' (disabled)' : ''}`);

describe('the freeze card', () => {
  it('shows service, environment, reason, who set it and when it ends, with Unfreeze and Let one deploy through', () => {
    const card = freezeCard(freeze(), NOW);
    expect(card.embeds[0]!.title).toBe('🧊 DEPLOYS FROZEN');
    expect(field(card, 'Service')).toBe('payments');
    expect(field(card, 'Environment')).toBe('production');
    expect(field(card, 'Set by')).toBe('alice');
    expect(field(card, 'Reason')).toBe('quarter-end close');
    const end = Date.parse('2026-11-22T16:00:00.000Z') / 1000;
    expect(field(card, 'Ends')).toBe(`<t:${end}:f> (<t:${end}:R>)`);
    expect(buttons(card)).toEqual(['Unfreeze', 'Let one deploy through']);
    const ids = card.components[0]!.components.map((b) => parseCustomId((b as { custom_id: string }).custom_id));
    expect(ids).toEqual([
      { action: 'unfreeze', freezeId: freeze().freezeId },
      { action: 'let-through', freezeId: freeze().freezeId },
    ]);
    expect(card.embeds[0]!.footer!.text).toBe(`freeze ${freeze().freezeId}`);
    expect(card.allowed_mentions).toEqual({ parse: [] });
    expect(problems(card)).toEqual([]);
  });

  it.each([
    ['lifted', freeze({ liftedAt: at('2026-11-22T13:00:00.000Z'), liftedBy: 'bob', liftReason: 'close finished early' }), '🟢 FREEZE LIFTED'],
    ['ended', freeze({ endsAt: at('2026-11-22T13:59:59.000Z') }), '⌛ FREEZE ENDED'],
  ] as const)('once %s, says so and disables both buttons', (state, row, title) => {
    expect(freezeCardState(row, NOW)).toBe(state);
    const card = freezeCard(row, NOW);
    expect(card.embeds[0]!.title).toBe(title);
    expect(buttons(card)).toEqual(['Unfreeze (disabled)', 'Let one deploy through (disabled)']);
    if (state === 'lifted') expect(field(card, 'Lifted')).toMatch(/^by bob <t:\d+:f> \(<t:\d+:R>\): close finished early$/);
    else expect(field(card, 'Ended')).toMatch(/^by itself <t:\d+:f>/);
    expect(problems(card)).toEqual([]);
  });

  it('makes user text inert and stays within the limits whatever the reason holds', () => {
    const card = freezeCard(freeze({ reason: `@everyone <@&123456789012345678> **now** ${'x'.repeat(5000)}`, setByName: '@here' }), NOW);
    expect(field(card, 'Reason')).toMatch(/^@\u200beveryone <\u200b@\u200b&123456789012345678> \\\*\\\*now\\\*\\\* x+… \(truncated\)$/);
    expect(field(card, 'Set by')).toBe('@\u200bhere');
    expect(problems(card)).toEqual([]);
  });
});

describe('the pass message', () => {
  it.each([
    ['requested', pass(), '🎫 ONE DEPLOY THROUGH THE FREEZE: needs a second person', 'Grant'],
    ['granted', pass({ grantedBy: 'discord:300', grantedByName: 'bob', grantedAt: at('2026-11-22T13:55:00.000Z') }), '✅ PASS GRANTED', 'Grant (disabled)'],
    ['used', pass({ grantedBy: 'discord:300', grantedAt: at('2026-11-22T13:55:00.000Z'), usedAt: at('2026-11-22T13:58:00.000Z') }), '🚀 PASS USED', 'Grant (disabled)'],
    ['expired', pass({ expiresAt: at('2026-11-22T13:59:00.000Z') }), '⌛ PASS EXPIRED', 'Grant (disabled)'],
  ] as const)('%s: its title and whether Grant still works', (state, row, title, button) => {
    expect(passCardState(row, NOW)).toBe(state);
    const card = passCard(row, NOW);
    expect(card.embeds[0]!.title).toBe(title);
    expect(buttons(card)).toEqual([button]);
    expect(field(card, 'Version')).toBe('`v2.5.4`');
    expect(problems(card)).toEqual([]);
  });

  it('carries the pass id in the Grant button', () => {
    const [grant] = passCard(pass(), NOW).components[0]!.components as Array<{ custom_id: string }>;
    expect(parseCustomId(grant!.custom_id)).toEqual({ action: 'grant-pass', passId: pass().passId });
  });
});

describe('the /freeze list page', () => {
  const manual = (reason: string) => ({ kind: 'manual' as const, id: freeze().freezeId, reason, set_by: 'alice', since: '2026-11-22T12:00:00.000Z', ends_at: '2026-11-22T16:00:00.000Z', ends_when: 'at 2026-11-22T16:00:00.000Z, or when lifted' });

  it('says nothing is frozen when nothing is', () => {
    expect(freezeListEmbed([], '').description).toBe('Nothing is frozen: the gate lets every deploy through.');
  });

  it('leads each freeze set by hand with the id to lift it by, in the gate’s words', () => {
    const embed = freezeListEmbed([{ service: 'payments', environment: 'production', freezes: [manual('close @everyone')] }], 'service payments');
    expect(embed.fields).toEqual([
      { name: '🧊 payments · production', value: `• \`${freeze().freezeId}\` freeze: close @\u200beveryone (set by alice; ends at 2026-11-22T16:00:00.000Z, or when lifted)` },
    ]);
    expect(embed.footer!.text).toBe('only service payments');
  });

  it('shares the 6000 characters among 40 pairs with long reasons, and says how many it could not show', () => {
    const pairs: FrozenPair[] = Array.from({ length: 40 }, (_, i) => ({ service: `svc${i}`, environment: 'production', freezes: [manual('r'.repeat(1000)), manual('s'.repeat(1000))] }));
    const embed = freezeListEmbed(pairs, '');
    expect(embed.fields).toHaveLength(LIMITS.fields);
    expect(embed.fields!.at(-1)).toEqual({ name: '…', value: 'and 16 more; narrow it with service or environment' });
    expect(problems({ embeds: [embed] })).toEqual([]);
  });
});
