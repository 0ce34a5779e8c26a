import { describe, expect, it } from 'vitest';
import { checkMessageLimits, checkSchema } from '@backstop/discord-emulator';
import type { GithubProtectionRequestRow } from '../../../src/db/schema/index.ts';
import { deservesGithubCard, githubCard, githubCardState } from '../../../src/notify/discord/cards/github-card.ts';

// The card of a GitHub deployment the gate held, as a pure function of its row: every state, the run link, inert user
// text, Discord's schemas and limits.

const problems = (body: object) => [...checkSchema('MessageCreateRequestSchema', body), ...checkMessageLimits(body as Record<string, unknown>)];
const at = (iso: string) => new Date(iso);

const request = (over: Partial<GithubProtectionRequestRow> = {}): GithubProtectionRequestRow => ({
  requestId: '3f1c9a2e-7b4d-4e6a-8c5f-1d2e3f4a5b6c',
  deliveryId: 'd-1',
  repository: 'acme/payments',
  githubEnvironment: 'prod',
  service: 'payments',
  environment: 'production',
  version: '9fceb02d0ae598e95dc970b74767f19372d61af8',
  sha: '9fceb02d0ae598e95dc970b74767f19372d61af8',
  callbackUrl: 'https://api.github.com/repos/acme/payments/actions/runs/4242/deployment_protection_rule',
  installationId: '99',
  state: 'waiting',
  reasons: ['denied: payments 9fceb02 to production is frozen', 'freeze 5b0c1f7e by alice: database failover drill'],
  commentedAt: at('2026-11-22T14:00:01.000Z'),
  answeredAt: null,
  attempts: 1,
  lastError: null,
  receivedAt: at('2026-11-22T14:00:00.000Z'),
  ...over,
});

type Body = ReturnType<typeof githubCard>;
const field = (body: Body, name: string) => body.embeds[0]!.fields!.find((f) => f.name === name)?.value;
const names = (body: Body) => body.embeds[0]!.fields!.map((f) => f.name);

describe('the GitHub deployment card', () => {
  it('shows where it deploys, the commit, the run and why it waits', () => {
    const card = githubCard(request());
    expect(card.embeds[0]!.title).toBe('⏸️ GITHUB DEPLOYMENT HELD');
    expect(card.embeds[0]!.url).toBe('https://github.com/acme/payments/actions/runs/4242');
    expect(names(card)).toEqual(['GitHub', 'backstop', 'Commit', 'Workflow run', 'Held because', 'Now']);
    expect(field(card, 'GitHub')).toBe('acme/payments · prod');
    expect(field(card, 'backstop')).toBe('payments · production');
    expect(field(card, 'Commit')).toBe('`9fceb02`');
    expect(field(card, 'Workflow run')).toBe('[open the run on GitHub](https://github.com/acme/payments/actions/runs/4242)');
    expect(field(card, 'Held because')).toBe('• denied: payments 9fceb02 to production is frozen\n• freeze 5b0c1f7e by alice: database failover drill');
    expect(card.components).toEqual([]);
    expect(card.allowed_mentions).toEqual({ parse: [] });
    expect(card.embeds[0]!.footer!.text).toBe('github deployment 3f1c9a2e-7b4d-4e6a-8c5f-1d2e3f4a5b6c');
  });

  it.each([
    ['waiting', request(), 'waiting', '⏸️ GITHUB DEPLOYMENT HELD', 'GitHub has the reasons; backstop tells it to go ahead as soon as the freezes lift.'],
    ['failing twice', request({ attempts: 2, lastError: 'GitHub answered 502' }), 'waiting', '⏸️ GITHUB DEPLOYMENT HELD', 'GitHub did not take the answer yet: GitHub answered 502; backstop tries again next tick.'],
    ['failing three times', request({ attempts: 3, lastError: 'GitHub answered 502' }), 'unanswered', '⚠️ GITHUB DEPLOYMENT HELD: GitHub is not answering', 'GitHub is not answering: GitHub answered 502; backstop retries every tick.'],
    ['approved', request({ state: 'approved', reasons: ['allowed'], answeredAt: at('2026-11-22T15:00:00.000Z') }), 'approved', '🚀 GITHUB DEPLOYMENT WENT AHEAD', 'GitHub was told to go ahead at <t:1795359600:f> (<t:1795359600:R>).'],
    ['failed', request({ state: 'failed', lastError: 'GitHub answered 422: Validation Failed' }), 'failed', '❌ GITHUB WOULD NOT TAKE THE ANSWER', 'GitHub would not take the answer: GitHub answered 422: Validation Failed'],
    ['rejected', request({ state: 'rejected', service: null, environment: null, reasons: ['backstop does not know acme/payments'], answeredAt: at('2026-11-22T15:00:00.000Z') }), 'rejected', '🚫 GITHUB DEPLOYMENT REJECTED', 'Rejected at <t:1795359600:f> (<t:1795359600:R>):\n• backstop does not know acme/payments'],
  ] as const)('%s: says so', (_what, row, state, title, line) => {
    expect(githubCardState(row)).toBe(state);
    const card = githubCard(row);
    expect(card.embeds[0]!.title).toBe(title);
    expect(field(card, state === 'waiting' || state === 'unanswered' ? 'Now' : 'Outcome')).toBe(line);
    expect(names(card).includes('Held because')).toBe(state === 'waiting' || state === 'unanswered');
    expect(problems(card)).toEqual([]);
  });

  it('links no run when the callback URL is not shaped like GitHub’s', () => {
    const card = githubCard(request({ callbackUrl: 'https://proxy.example/repos/acme/payments/actions/runs/1/deployment_protection_rule' }));
    expect(card.embeds[0]!.url).toBeUndefined();
    expect(names(card)).not.toContain('Workflow run');
  });

  it('keeps user text inert: no mentions, no markdown', () => {
    const card = githubCard(request({ repository: 'acme/@everyone', githubEnvironment: '<@&123>', reasons: ['**bold** @here'], state: 'waiting' }));
    expect(field(card, 'GitHub')).toBe('acme/@\u200beveryone · <\u200b@\u200b&123>');
    expect(field(card, 'Held because')).toBe('• \\*\\*bold\\*\\* @\u200bhere');
    expect(problems(card)).toEqual([]);
  });

  it('fits Discord’s limits with hundreds of reasons and a huge error', () => {
    const reasons = Array.from({ length: 300 }, (_, i) => `freeze ${i}: ${'x'.repeat(100)}`);
    expect(problems(githubCard(request({ reasons })))).toEqual([]);
    expect(problems(githubCard(request({ state: 'failed', lastError: 'e'.repeat(10_000) })))).toEqual([]);
  });

  it.each([
    ['approved at once', { state: 'approved', commentedAt: null, attempts: 1 }, false],
    ['rejected at once', { state: 'rejected', commentedAt: null, attempts: 1 }, false],
    ['waiting on freezes', { state: 'waiting', commentedAt: at('2026-11-22T14:00:00.000Z'), attempts: 1 }, true],
    ['waiting on GitHub', { state: 'waiting', commentedAt: null, attempts: 1 }, true],
    ['approved after waiting on freezes', { state: 'approved', commentedAt: at('2026-11-22T14:00:00.000Z'), attempts: 2 }, true],
    ['approved after GitHub failed once', { state: 'approved', commentedAt: null, attempts: 2 }, true],
    ['refused by GitHub at once', { state: 'failed', commentedAt: null, attempts: 1 }, true],
  ] as const)('gives a card to a deployment %s: %s', (_what, row, deserves) => {
    expect(deservesGithubCard(row)).toBe(deserves);
  });
});
