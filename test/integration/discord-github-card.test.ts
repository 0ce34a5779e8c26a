import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator, type EmulatedMessage } from '@backstop/discord-emulator';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';
import { startFakeGithub, type FakeGithub } from '../support/fake-github.ts';
import { GITHUB_APP_ENV, GITHUB_APP_ID as APP_ID, GITHUB_INSTALLATION as INSTALLATION, GITHUB_WEBHOOK_SECRET as SECRET, githubAppKeys as keys, githubAppPolicy } from '../support/github-app-setup.ts';

// A GitHub deployment the gate holds, in Discord: the real backstop with the emulator's Discord and the fake GitHub
// App (an Enterprise Server, so the run link is derived from an /api/v3 callback). The card shows why it waits, then
// how it ended; what a notice missed, the delivery sweep catches up. Every request is checked against Discord's schemas.

const SHA = '9fceb02d0ae598e95dc970b74767f19372d61af8';

describe('GitHub deployments on cards', () => {
  let emu: DiscordEmulator;
  let gh: FakeGithub;
  let b: Backstop;
  let runId = 5000;

  beforeAll(async () => {
    emu = await startDiscordEmulator();
    gh = await startFakeGithub({ basePath: '/api/v3', app: { id: APP_ID, publicKey: keys.publicKey, installations: { [INSTALLATION]: ['acme/payments'] } } });
    const discord = `
discord:
  guild_id: "${emu.guildId}"
  channel_id: "${emu.channelId}"
  roles: { approver: ["${emu.createRole('approver')}"] }`;
    const policy = testPolicy({ executorArgv: ['true'], onNoData: 'pass', monitoring: 'monitoring: { tick: 200ms }', discord })
      .concat(githubAppPolicy(gh.url))
      .replace(
        '    executor: { kind: command, argv: ["true"], timeout: 20s, idempotent: false }\n',
        '    executor: { kind: command, argv: ["true"], timeout: 20s, idempotent: false }\n    github: { repository: acme/payments, environments: { prod: production, staging: staging } }\n',
      );
    b = await startBackstop({ policy, env: { ...GITHUB_APP_ENV, DISCORD_TOKEN: emu.botToken, DISCORD_API_URL: emu.apiUrl, BACKSTOP_DISCORD_SWEEP_INTERVAL_MS: '500' } });
  });
  afterAll(async () => {
    await b?.close();
    await gh?.close();
    await emu?.close();
  });
  afterEach(() => {
    // Anything Discord would have refused fails the test that caused it.
    expect(emu.violations).toEqual([]);
    expect(emu.rateLimited).toBe(0);
  });

  const runUrl = (run: number) => `${new URL(gh.url).origin}/acme/payments/actions/runs/${run}`;
  const cardOf = (requestId: string) => emu.messages().find((m) => m.embeds[0]?.footer?.text === `github deployment ${requestId}`);
  const cardTitled = (requestId: string, title: string) => emu.waitFor(() => (cardOf(requestId)?.embeds[0].title === title ? cardOf(requestId) : undefined));
  const field = (m: EmulatedMessage, name: string): string => m.embeds[0].fields.find((f: { name: string }) => f.name === name)?.value ?? '';

  /** A deployment to `environment` reaches the gate; answers with its request id, its run and the state it got. */
  async function deploy(environment: string) {
    const sent = await gh.sendProtectionRuleEvent({ url: `${b.url}/api/github/webhook`, secret: SECRET, repository: 'acme/payments', environment, runId: ++runId, sha: SHA, ref: 'main', installationId: INSTALLATION });
    expect(sent.status, sent.body).toBe(200);
    const body = JSON.parse(sent.body) as { request_id: string; state: string };
    return { requestId: body.request_id, run: runId, state: body.state };
  }
  async function freeze(reason: string): Promise<string> {
    const frozen = await b.api('POST', '/api/freezes', 'alice', { service: 'payments', environment: 'production', duration: '1h', reason });
    expect(frozen.status).toBe(201);
    return frozen.body.freeze_id as string;
  }
  const lift = async (freezeId: string) => expect((await b.api('POST', `/api/freezes/${freezeId}/lift`, 'alice', { reason: 'done' })).status).toBe(200);

  it('shows a frozen deployment with the reasons and its run, then that GitHub was told to go ahead', async () => {
    const atOnce = await deploy('staging');
    expect(atOnce.state).toBe('approved');

    const freezeId = await freeze('database failover drill');
    const held = await deploy('prod');
    expect(held.state).toBe('waiting');
    const card = await cardTitled(held.requestId, '⏸️ GITHUB DEPLOYMENT HELD');
    expect(card.embeds[0].url).toBe(runUrl(held.run));
    expect([field(card, 'GitHub'), field(card, 'backstop'), field(card, 'Commit'), field(card, 'Workflow run')]).toEqual([
      'acme/payments · prod',
      'payments · production',
      '`9fceb02`',
      `[open the run on GitHub](${runUrl(held.run)})`,
    ]);
    expect(field(card, 'Held because')).toMatch(/^• denied: payments 9fceb02\S* to production is frozen[\s\S]*database failover drill/);
    expect(card.allowed_mentions).toEqual({ parse: [] });

    await lift(freezeId);
    const ahead = await cardTitled(held.requestId, '🚀 GITHUB DEPLOYMENT WENT AHEAD');
    expect(field(ahead, 'Outcome')).toMatch(/^GitHub was told to go ahead at <t:\d+:f> \(<t:\d+:R>\)\.$/);
    expect(field(ahead, 'Held because')).toBe('');
    // One message for the held deployment, edited in place; none for the one GitHub was told to go ahead with at once.
    expect(emu.messages().filter((m) => m.embeds[0]?.footer?.text === `github deployment ${held.requestId}`)).toHaveLength(1);
    expect(cardOf(atOnce.requestId)).toBeUndefined();
  });

  it('shows the error when GitHub refuses the answer', async () => {
    const freezeId = await freeze('release train');
    const held = await deploy('prod');
    await cardTitled(held.requestId, '⏸️ GITHUB DEPLOYMENT HELD');

    gh.failNextCallbacks(1, 422);
    await lift(freezeId);
    const failed = await cardTitled(held.requestId, '❌ GITHUB WOULD NOT TAKE THE ANSWER');
    expect(field(failed, 'Outcome')).toMatch(/^GitHub would not take the answer: .*422/);
  });

  it('catches up a card whose notice was missed: the sweep edits it to what the row says', async () => {
    const freezeId = await freeze('quarter-end close');
    const held = await deploy('prod');
    await cardTitled(held.requestId, '⏸️ GITHUB DEPLOYMENT HELD');

    // As after ticks whose answers GitHub failed, in a process that could not tell Discord.
    await b.running.deps.pool.query(`update ops.github_protection_requests set attempts = 3, last_error = 'GitHub answered 502: Bad Gateway' where request_id = $1`, [held.requestId]);
    const unanswered = await cardTitled(held.requestId, '⚠️ GITHUB DEPLOYMENT HELD: GitHub is not answering');
    expect(field(unanswered, 'Now')).toBe('GitHub is not answering: GitHub answered 502: Bad Gateway; backstop retries every tick.');

    await lift(freezeId);
    await cardTitled(held.requestId, '🚀 GITHUB DEPLOYMENT WENT AHEAD');
    const rendered = await waitFor('the card recorded as rendered', async () => {
      const { rows } = await b.running.deps.pool.query(`select rendered_state from ops.freeze_messages where github_request_id = $1`, [held.requestId]);
      return rows[0]?.rendered_state === 'approved' ? rows[0] : undefined;
    });
    expect(rendered).toEqual({ rendered_state: 'approved' });
  });

  it('posts the card of a deployment held and let go while Discord was unreachable, once it is back', async () => {
    const failedPost = () => emu.requests.some((r) => r.method === 'POST' && r.status === 503 && r.path.endsWith('/messages'));
    let held: Awaited<ReturnType<typeof deploy>>;
    emu.setOutage((_method, path) => path.startsWith('/channels/'));
    try {
      const freezeId = await freeze('set during the outage');
      held = await deploy('prod');
      await waitFor('a post of the card to fail', async () => failedPost(), 20_000);
      await lift(freezeId);
      await waitFor('GitHub to be told to go ahead', async () => gh.protectionRuleAnswers.some((a) => a.runId === held.run && a.body.state === 'approved'), 10_000);
      expect(cardOf(held.requestId)).toBeUndefined();
    } finally {
      emu.setOutage(null);
    }
    const late = await cardTitled(held.requestId, '🚀 GITHUB DEPLOYMENT WENT AHEAD');
    expect(field(late, 'Workflow run')).toBe(`[open the run on GitHub](${runUrl(held.run)})`);
    expect(emu.messages().filter((m) => m.embeds[0]?.footer?.text === `github deployment ${held.requestId}`)).toHaveLength(1);
  }, 60_000);
});
