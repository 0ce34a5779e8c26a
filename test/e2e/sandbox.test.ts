import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../packages/sandbox/src/start-sandbox.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

// The sandbox as a newcomer meets it: the real backstop against the built-in Discord, the page in a real headless
// Chromium (Debian's package, driven by playwright-core), clicked through the way a person would.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// `BACKSTOP_UPDATE_SCREENSHOT=1 npx vitest run test/e2e/sandbox.test.ts` refreshes the README's picture.
const SCREENSHOT = process.env.BACKSTOP_UPDATE_SCREENSHOT ? resolve('docs/sandbox.png') : join(mkdtempSync(join(tmpdir(), 'sandbox-')), 'sandbox.png');

const embed = (title: string) => `discord-embed[embed-title="${title}"]`;
const cardTitled = (page: Page, title: string) => page.locator('discord-message', { has: page.locator(embed(title)) });

describe('the sandbox in a browser', { timeout: 90_000 }, () => {
  let running: TestSandbox;
  let sandbox: RunningSandbox;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
    running = await startTestSandbox({ name: 'sandbox-test', paceMs: 150, env: { BACKSTOP_RECONCILE_INTERVAL_MS: '500' } });
    sandbox = running.sandbox;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // As root in a sandboxless container, with this machine's closed network: no background fetches to refuse.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    // Shorter than the test's own timeout, so a step that never happens fails with the locator that waited for it.
    page.setDefaultTimeout(10_000);
    await page.goto(sandbox.url);
    await page.locator('#live-text', { hasText: 'live' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });
  afterEach(() => {
    // Everything backstop sent the emulator passed Discord's schemas and limits.
    expect(sandbox.world.emu.violations).toEqual([]);
  });

  async function actAs(key: string) {
    await page.locator(`label[data-person="${key}"]`).click();
    await expect.poll(() => page.locator('#who').textContent()).toBe(`as ${key}`);
  }

  async function type(text: string) {
    await page.locator('#command').fill(text);
    await page.locator('#command').press('Enter');
  }

  it('plays the scripted incident: proposal, two approvals, live progress, verification, history', async () => {
    await page.locator('#play').click();
    await expect.poll(() => page.locator('#play').isDisabled()).toBe(true);
    await cardTitled(page, '🟠 ROLLBACK PROPOSED').waitFor({ timeout: 20_000 });
    // The same card, edited in place while the page stays open: seen in progress, then complete.
    await page.locator('discord-embed[embed-title$="ROLLBACK IN PROGRESS"]').waitFor({ timeout: 20_000 });
    const done = cardTitled(page, '✅ ROLLBACK COMPLETE');
    await done.waitFor({ timeout: 30_000 });
    await expect.poll(() => done.locator('discord-embed-field[field-title="Progress"]').textContent()).toMatch(/5\/5/);
    expect(await done.locator('discord-embed-field[field-title="Approvals"]').textContent()).toMatch(/2\/2 approvals \(alice, bob\)/);
    expect(await done.locator('discord-button').allTextContents()).toEqual(['Approve', 'Reject', 'Details']);
    expect(await done.locator('discord-button[disabled]').count()).toBe(2);
    await page.locator(embed('✅ Rollback completed successfully')).waitFor();
    await page.locator('#story li.done', { hasText: 'Incident over' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#play').isDisabled()).toBe(false);

    // alice ran /rollback history: she sees the ephemeral answer; bob does not.
    const history = page.locator('discord-message[ephemeral]', { has: page.locator(embed('Rollback history')) });
    await history.waitFor();
    expect(await history.locator('discord-command').getAttribute('command')).toBe('/rollback');
    // The README's picture: the finished card at the top, the outcome and the history under it.
    await page.setViewportSize({ width: 1360, height: 1250 });
    await done.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: SCREENSHOT });
    await actAs('bob');
    await expect.poll(() => history.count()).toBe(0);
    await actAs('alice');
    await history.waitFor();
    // "Dismiss message" hides an ephemeral reply for the one who sees it, as in Discord.
    await history.getByText('Dismiss message').click();
    await expect.poll(() => history.count()).toBe(0);
    await actAs('bob');
    expect(await page.locator('discord-message[ephemeral]').count()).toBe(1); // bob's own approval receipt
    expect(await page.locator('#violations').textContent()).toBe('Discord schema violations: 0');
  });

  it('a person asks, is refused, or approves through the button and the reason modal', async () => {
    const deploy = async (environment: string, version: string, good: boolean) => {
      const rec = await sandbox.api('POST', '/api/deployments', 'ci', { service: 'checkout', environment, version, git_commit: `${version.replace(/\D/g, '')}abcdef`.slice(0, 7) });
      if (good) await sandbox.api('POST', `/api/deployments/${rec.body.deployment_id}/complete`, 'ci', { status: 'success', health_check_passed: true });
      return rec.body.deployment_id as string;
    };
    const good = await deploy('production', 'v3.0.0', true);
    const bad = await deploy('production', 'v3.0.1', false);

    // mallory has no backstop role: the command reaches backstop, and backstop says no.
    await actAs('mallory');
    await type(`/approve rollback deployment_id:${bad} reason:checkout is erroring`);
    await page.locator('discord-message[ephemeral]', { hasText: 'you need the approver or override role' }).waitFor();

    // alice asks, picking the deployment from backstop's own autocomplete; she is the first of the two approvals
    // production needs, and the card goes up.
    await actAs('alice');
    await page.locator('#command').fill('/approve rollback deployment_id:');
    const suggestion = page.locator('#suggestions button', { hasText: 'checkout · production · v3.0.1' });
    await suggestion.click();
    expect(await page.locator('#command').inputValue()).toBe(`/approve rollback deployment_id:${bad} `);
    await page.locator('#command').pressSequentially('reason:production checkout 5xx');
    await page.locator('#command').press('Enter');
    const card = cardTitled(page, '🟠 ROLLBACK REQUESTED');
    await card.waitFor();
    await expect.poll(() => card.locator('discord-embed-field[field-title="Approvals"]').textContent()).toMatch(/^1\/2 approvals \(alice\)/);

    // vic may look at the plan, but Approve on the card is refused before any modal opens.
    await actAs('vic');
    await type(`/rollback plan deployment_id:${bad}`);
    await page.locator('discord-message[ephemeral]', { has: page.locator('discord-command[command="/rollback"]') }).waitFor();
    await card.locator('discord-button', { hasText: 'Approve' }).click();
    await page.locator('discord-message[ephemeral]', { hasText: 'you need the approver or override role' }).waitFor();
    expect(await page.locator('discord-modal').count()).toBe(0);

    // bob approves: the button opens backstop's reason modal, and the submit is the second approval.
    await actAs('bob');
    await card.locator('discord-button', { hasText: 'Approve' }).click();
    const modal = page.locator('discord-modal');
    await modal.locator('textarea').waitFor();
    await modal.locator('textarea').fill('confirmed on the dashboard');
    await modal.locator('button[type="submit"]').click();
    await expect.poll(() => page.locator('discord-modal').count()).toBe(0);
    await page.locator('discord-message[ephemeral]', { hasText: '2/2 approvals (alice, bob)' }).last().waitFor();
    // The restored version reports healthy while the worker verifies, and the card ends complete.
    const complete = page.locator('discord-message', { has: page.locator(`discord-embed[embed-title="✅ ROLLBACK COMPLETE"]`) }).filter({ hasText: 'v3.0.0' });
    await expect
      .poll(async () => {
        await sandbox.api('POST', `/api/deployments/${good}/health`, 'ci', { error_rate_per_minute: 0.1 });
        return complete.count();
      }, { timeout: 30_000, interval: 500 })
      .toBe(1);
  });

  it('one Reject, with its reason, vetoes the rollback', async () => {
    const rec = async (version: string) => (await sandbox.api('POST', '/api/deployments', 'ci', { service: 'checkout', environment: 'production', version, git_commit: 'eeee555' })).body.deployment_id as string;
    const good = await rec('v4.0.0');
    await sandbox.api('POST', `/api/deployments/${good}/complete`, 'ci', { status: 'success', health_check_passed: true });
    const bad = await rec('v4.0.1');
    await actAs('bob');
    await type(`/approve rollback deployment_id:${bad} reason:v4.0.1 looks broken`);
    const card = page.locator('discord-message', { has: page.locator('discord-embed[embed-title="🟠 ROLLBACK REQUESTED"]') }).filter({ hasText: 'v4.0.1' });
    await card.waitFor();
    await actAs('alice');
    await card.locator('discord-button', { hasText: 'Reject' }).click();
    const modal = page.locator('discord-modal');
    await modal.locator('textarea').fill('it is the payment provider, not us');
    await modal.locator('button[type="submit"]').click();
    const rejected = page.locator('discord-message', { has: page.locator('discord-embed[embed-title="🚫 ROLLBACK REJECTED"]') }).filter({ hasText: 'v4.0.1' });
    await rejected.waitFor();
    expect(await rejected.locator('discord-button[disabled]').count()).toBe(2);
    expect(await rejected.textContent()).toContain('it is the payment provider, not us');
  });

  it('bad options get what Discord would say: the client refuses, or backstop answers ephemerally', async () => {
    await actAs('alice');
    await type('/rollback history limit:lots');
    await expect.poll(() => page.locator('#client-error').textContent()).toBe('/rollback history: limit must be a whole number, not "lots"');
    await type('/rollback status event_id:not-an-id');
    await expect.poll(() => page.locator('#client-error').textContent()).toMatch(/event_id: shorter than min_length 36/);
    await type('/deploy');
    await expect.poll(() => page.locator('#client-error').textContent()).toMatch(/^\/deploy is not a command here/);

    // Discord's client would send this one, and backstop's own validation answers.
    await type('/rollback check deployment_id:nope');
    await page.locator('discord-message[ephemeral]', { hasText: 'deployment_id' }).last().waitFor();
    expect(await page.locator('#client-error').textContent()).toBe('');
  });
});
