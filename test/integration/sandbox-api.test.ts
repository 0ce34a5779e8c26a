import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../packages/sandbox/src/start-sandbox.ts';
import { openEventStream, type Frame } from '../support/event-stream.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

// The sandbox page's own HTTP API, without a browser: what bad input gets, and the live feed the page listens to.

describe('the sandbox API', () => {
  let running: TestSandbox;
  let sandbox: RunningSandbox;
  let base: string;

  beforeAll(async () => {
    running = await startTestSandbox({ name: 'sandbox-api-test', paceMs: 50 });
    ({ sandbox, base } = running);
  });
  afterAll(async () => running?.close());

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('serves the page, its script, and sends / to it', async () => {
    const page = await fetch(`${base}/sandbox`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/sandbox/app.js">');
    const script = await fetch(`${base}/sandbox/app.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    // The Discord components are bundled in, not fetched from a CDN.
    expect(await script.text()).toContain('discord-message');
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/sandbox');
  });

  it.each([
    ['/sandbox/api/command', '{"as":', 400, 'BAD_REQUEST', 'the body is not valid JSON'],
    ['/sandbox/api/command', { as: 'zed', text: '/rollback history' }, 400, 'VALIDATION_FAILED', 'as: no person "zed" in the sandbox (alice, bob, vic, mallory)'],
    ['/sandbox/api/command', { as: 'alice' }, 400, 'VALIDATION_FAILED', /^text: /],
    ['/sandbox/api/command', { as: 'alice', text: '/rollback history', admin: true }, 400, 'VALIDATION_FAILED', /admin/],
    ['/sandbox/api/click', { as: 'alice', message_id: 'abc', custom_id: 'x' }, 400, 'VALIDATION_FAILED', 'message_id: expected a Discord snowflake id'],
    ['/sandbox/api/modal', { as: 'alice', custom_id: 'x', fields: { reason: 5 } }, 400, 'VALIDATION_FAILED', /^fields\.reason: /],
  ])('%s %j → %i %s', async (path, body, status, code, message) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
  });

  it('answers what a person cannot do with what Discord would say, as a value', async () => {
    expect(await post('/sandbox/api/click', { as: 'alice', message_id: '1234567890123456789', custom_id: 'bs:approve:x' })).toEqual({ status: 200, body: { ok: false, error: 'no message 1234567890123456789' } });
    expect(await post('/sandbox/api/modal', { as: 'bob', custom_id: 'bs:decide-approve:x', fields: { reason: 'r' } })).toEqual({
      status: 200,
      body: { ok: false, error: 'no modal bs:decide-approve:x was shown to bob' },
    });
    expect(await post('/sandbox/api/command', { as: 'alice', text: '/rollback history limit:0' })).toEqual({ status: 200, body: { ok: false, error: '/rollback: history limit: below min_value 1' } });
  });

  it('streams the channel live and plays one incident at a time', async () => {
    const events: Frame[] = [];
    const stream = await openEventStream(`${base}/sandbox/api/events`, (f) => events.push(f));
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const until = async (what: string, fn: () => boolean, ms = 30_000) => {
      const deadline = Date.now() + ms;
      while (!fn()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what}; events: ${events.map((e) => e.event).join(',')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    await until('snapshot', () => events.some((e) => e.event === 'snapshot'));
    expect(events[0]!.event).toBe('snapshot');
    expect(events[0]!.data.people.map((p: { key: string }) => p.key)).toEqual(['alice', 'bob', 'vic', 'mallory']);
    expect(events[0]!.data.commands.map((c: { name: string }) => c.name)).toEqual(['approve', 'rollback', 'freeze']);

    expect(await post('/sandbox/api/scenario', {})).toEqual({ status: 202, body: { ok: true } });
    expect(await post('/sandbox/api/scenario', {})).toEqual({ status: 409, body: { error: { code: 'CONFLICT', message: 'the incident is already playing' } } });

    const titles = () => events.filter((e) => e.event === 'message').map((e) => e.data.message.embeds[0]?.title as string | undefined);
    await until('the card completes', () => titles().includes('✅ ROLLBACK COMPLETE'));
    // The card was posted once and then edited: the stream carried its states in order (edits are coalesced to one
    // per 1.5 s, so a short state such as "initiated" may never be drawn).
    const seen = [...new Set(titles().filter((t) => t?.includes('ROLLBACK ')))];
    expect(seen[0]).toBe('🟠 ROLLBACK PROPOSED');
    expect(seen.some((t) => t?.endsWith('ROLLBACK IN PROGRESS'))).toBe(true);
    expect(seen.at(-1)).toBe('✅ ROLLBACK COMPLETE');
    await until('the story ends', () => events.some((e) => e.event === 'narration' && e.data.kind === 'done'));
    await until('playing ends', () => events.some((e) => e.event === 'scenario' && e.data.playing === false));
    expect(events.filter((e) => e.event === 'narration' && e.data.kind === 'failed')).toEqual([]);
    expect(sandbox.world.emu.violations).toEqual([]);
    stream.close();
    await stream.done;
  });

  it('will not play while a rollback someone started by hand is open for the service', async () => {
    const good = await sandbox.api('POST', '/api/deployments', 'ci', { service: 'checkout', environment: 'production', version: 'v9.0.0', git_commit: 'abc1234' });
    await sandbox.api('POST', `/api/deployments/${good.body.deployment_id}/complete`, 'ci', { status: 'success', health_check_passed: true });
    const bad = await sandbox.api('POST', '/api/deployments', 'ci', { service: 'checkout', environment: 'production', version: 'v9.0.1', git_commit: 'abc1235' });
    const requested = await sandbox.api('POST', '/auto-rollback', 'ci', { deployment_id: bad.body.deployment_id, trigger_reason: 'by hand' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    const eventId = requested.body.event_id as string;
    expect(await post('/sandbox/api/scenario', {})).toEqual({
      status: 409,
      body: { error: { code: 'CONFLICT', message: `a checkout rollback in production is still open (event ${eventId}, awaiting_approval): finish it, or run /rollback cancel event_id:${eventId}` } },
    });
    // The way out the message names works.
    expect(await post('/sandbox/api/command', { as: 'alice', text: `/rollback cancel event_id:${eventId} reason:sandbox` })).toEqual({ status: 200, body: { ok: true } });
    await expect.poll(async () => (await sandbox.api('GET', `/api/rollbacks/${eventId}`, 'observer')).body.status).toBe('cancelled');
    expect(await post('/sandbox/api/scenario', {})).toEqual({ status: 202, body: { ok: true } });
  });
});

describe('the scripted incident with a person clicking along', () => {
  let running: TestSandbox;

  // Slow beats, so the person's clicks land before the script's.
  beforeAll(async () => void (running = await startTestSandbox({ name: 'sandbox-race-test', paceMs: 2_500 })));
  afterAll(async () => running?.close());

  // Bounds sized for a loaded CI machine: the rollback, its verification and the script's 2.5 s beats all wait on the
  // CPU there (one CI run stopped waiting at 40 s with the story still going).
  it('goes on when someone approves on the card before the script does', { timeout: 120_000 }, async () => {
    const { sandbox, base } = running;
    const { emu } = sandbox.world;
    expect((await fetch(`${base}/sandbox/api/scenario`, { method: 'POST' })).status).toBe(202);
    const card = await emu.waitFor(() => emu.messages().find((m) => m.embeds[0]?.title === '🟠 ROLLBACK PROPOSED'), 20_000);
    const approve = card.components[0].components[0].custom_id as string;
    for (const key of ['alice', 'bob']) {
      const person = sandbox.world.person(key)!;
      const interaction = await emu.click(person.user, card.id, approve);
      const modal = await interaction.until((i) => i.callbacks.find((c) => c.type === 9));
      await emu.submitModal(person.user, { customId: modal.data.custom_id, fields: { reason: `${key} clicked first` } });
    }
    const narration = async () => ((await (await fetch(`${base}/sandbox/api/state`)).json()) as { narration: Array<{ kind: string; text: string }> }).narration;
    await expect
      .poll(async () => (await narration()).at(-1)?.kind, { timeout: 90_000, interval: 250, message: 'the scripted incident to end' })
      .toBe('done')
      .catch(async (err: Error) => {
        // Where the story stopped is what says why.
        throw new Error(`${err.message}\nnarration:\n${(await narration()).map((n) => `  ${n.kind}: ${n.text}`).join('\n')}`);
      });
    const story = await narration();
    expect(story.filter((n) => n.kind === 'failed')).toEqual([]);
    // Usually the card is resolved before the script's turn; on a slow machine alice's click may land in between.
    expect(story.some((n) => /already resolved the card, so alice|alice had already decided/.test(n.text))).toBe(true);
    expect(emu.messages().some((m) => m.embeds[0]?.title === '✅ ROLLBACK COMPLETE' && m.id === card.id)).toBe(true);
    expect(emu.violations).toEqual([]);
  });
});
