import { describe, expect, it } from 'vitest';
import { historyEmbed } from '../../../src/notify/discord/cards/history-page.ts';
import { fitLines, LIMITS } from '../../../src/discord/limits.ts';
import { checkMessageLimits, checkSchema } from '@backstop/discord-emulator';
import { eventRow, voteRow } from '../../support/rollback-rows.ts';

// The /rollback history page as the dispatcher sends it: the first page edits the deferred reply, Previous and Next
// update the message in place. Both are checked by the emulator's own checks (Discord's schemas plus the limits).
const asSent = (embed: object) => ({ content: '', embeds: [embed], components: [], allowed_mentions: { parse: [] } });
const problems = (embed: object) => [
  ...checkSchema('IncomingWebhookUpdateRequestPartialSchema', asSent(embed)),
  ...checkSchema('UpdateMessageInteractionCallbackRequestSchema', { type: 7, data: asSent(embed) }),
  ...checkMessageLimits(asSent(embed)),
];
const embedLength = (e: ReturnType<typeof historyEmbed>) => (e.title?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);

const id = (n: number) => `3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e${String(n).padStart(2, '0')}`;
const AT = new Date('2026-11-22T14:02:00.000Z');
const when = `<t:${AT.getTime() / 1000}:R>`;

describe('the /rollback history page', () => {
  it('says who approved, rejected or cancelled each rollback, and why', () => {
    const succeeded = eventRow({ eventId: id(1), status: 'succeeded', initiatedAt: AT });
    const rejected = eventRow({ eventId: id(2), status: 'rejected', statusReason: 'rejected by carol: not the deploy', triggerType: 'manual', initiatedBy: 'discord:7', metadata: { requester_name: 'alice' }, initiatedAt: AT });
    const cancelled = eventRow({ eventId: id(3), status: 'cancelled', statusReason: 'cancelled by dave: test done', initiatedAt: AT });
    const votes = [
      voteRow({ eventId: id(1), approverName: 'alice', reason: 'error rate confirmed on the dashboard' }),
      voteRow({ eventId: id(2), approverName: 'alice', reason: 'checkout errors' }),
      voteRow({ eventId: id(1), approverName: 'bob', reason: 'agreed' }),
      voteRow({ eventId: id(2), approverName: 'carol', decision: 'reject', reason: 'not the deploy' }),
    ];
    const embed = historyEmbed({ events: [succeeded, rejected, cancelled], votes, pageNo: 1, filters: 'service payments', offset: 0 });
    expect(embed.fields).toEqual([
      {
        name: '✅ payments · production · `v2.5.3` → `v2.5.2` · succeeded',
        value: [`${when} · automatic by backstop · \`3f1c9a52\``, '> High error rate (8.5 errors/minute)', '✅ **alice** approved: error rate confirmed on the dashboard', '✅ **bob** approved: agreed'].join('\n'),
      },
      {
        name: '🚫 payments · production · `v2.5.3` → `v2.5.2` · rejected',
        value: [`${when} · manual by alice · \`3f1c9a52\``, '> High error rate (8.5 errors/minute)', '✅ **alice** approved: checkout errors', '🚫 **carol** rejected: not the deploy'].join('\n'),
      },
      {
        name: '⏹️ payments · production · `v2.5.3` → `v2.5.2` · cancelled',
        value: [`${when} · automatic by backstop · \`3f1c9a52\``, '> High error rate (8.5 errors/minute)', 'Outcome: cancelled by dave: test done'].join('\n'),
      },
    ]);
    expect(embed.footer).toEqual({ text: 'page 1 · service payments' });
    expect(problems(embed)).toEqual([]);
  });

  it('makes names and reasons inert', () => {
    const votes = [voteRow({ eventId: id(1), approverName: '@everyone', reason: '<@&123456789012345678> **now**' })];
    const embed = historyEmbed({ events: [eventRow({ eventId: id(1), triggerReason: '@here _x_' })], votes, pageNo: 1, filters: '', offset: 0 });
    const value = embed.fields![0]!.value;
    expect(value).toContain('> @\u200bhere \\_x\\_');
    expect(value).toContain('✅ **@\u200beveryone** approved: <\u200b@\u200b&123456789012345678> \\*\\*now\\*\\*');
    expect(value).not.toMatch(/@everyone|@here|<@&/);
  });

  it('keeps 25 rollbacks with three 1,000-character reasons each within 6000 characters, every rollback named', () => {
    const events = Array.from({ length: 25 }, (_, i) => eventRow({ eventId: id(i), status: 'succeeded', triggerReason: 't'.repeat(1000) }));
    const votes = events.flatMap((e) => ['alice', 'bob', 'carol'].map((name) => voteRow({ eventId: e.eventId, approverName: name, reason: 'r'.repeat(1000) })));
    const embed = historyEmbed({ events, votes, pageNo: 1, filters: '', offset: 0 });
    expect(embed.fields).toHaveLength(25);
    expect(embedLength(embed)).toBeLessThanOrEqual(LIMITS.total);
    // Every rollback keeps its line of when and who, and shows its votes or says how many did not fit.
    expect(embed.fields!.every((f) => /^<t:\d+:R> · automatic by backstop · `3f1c9a52`\n/.test(f.value) && /✅ \*\*alice\*\*|… and \d more$/.test(f.value))).toBe(true);
    expect(problems(embed)).toEqual([]);
  });

  it('shows each of five approvers with a share of the reasons on the default page of five', () => {
    const events = Array.from({ length: 5 }, (_, i) => eventRow({ eventId: id(i), status: 'succeeded' }));
    const names = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const votes = events.flatMap((e) => names.map((name) => voteRow({ eventId: e.eventId, approverName: name, reason: `${name} `.padEnd(1000, 'r') })));
    const embed = historyEmbed({ events, votes, pageNo: 1, filters: '', offset: 0 });
    for (const f of embed.fields!) {
      expect(f.value.split('\n').slice(2).map((l) => /^✅ \*\*(\w+)\*\* approved: \1 r+… \(truncated\)$/.exec(l)?.[1])).toEqual(names);
    }
    expect(problems(embed)).toEqual([]);
  });

  it('says when a page is empty', () => {
    expect(historyEmbed({ events: [], votes: [], pageNo: 1, filters: '', offset: 0 }).description).toBe('No rollbacks yet.');
    expect(historyEmbed({ events: [], votes: [], pageNo: 3, filters: '', offset: 10 }).description).toBe('No more rollbacks.');
  });
});

describe('fitLines', () => {
  const line = (fixed: string, text: string) => ({ fixed, text });

  it('keeps everything when it fits', () => {
    expect(fitLines([line('a: ', 'one'), line('b: ', 'two')], 100)).toBe('a: one\nb: two');
  });

  it('leaves short texts whole and shares the rest among the long ones, cutting only the text', () => {
    const out = fitLines([line('a: ', 'short'), line('b: ', 'x'.repeat(500)), line('c: ', 'y'.repeat(500))], 120);
    expect(out.length).toBeLessThanOrEqual(120);
    const [a, b, c] = out.split('\n');
    expect(a).toBe('a: short');
    expect(b).toMatch(/^b: x+… \(truncated\)$/);
    expect(c).toMatch(/^c: y+… \(truncated\)$/);
    expect(Math.abs(b!.length - c!.length)).toBeLessThanOrEqual(1);
  });

  it('drops whole lines from the end, and counts them, when not even their markup fits', () => {
    const out = fitLines(Array.from({ length: 10 }, (_, i) => line(`**name${i}** approved: `, 'z'.repeat(100))), 150);
    expect(out.length).toBeLessThanOrEqual(150);
    expect(out).toMatch(/^\*\*name0\*\* approved: z+… \(truncated\)\n/);
    expect(out).toMatch(/\n… and \d+ more$/);
  });
});
