import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { parseConfig } from '../config/load.ts';
import { createDiscordRest } from '../discord/rest.ts';
import { registerCommands } from '../discord/register-commands.ts';
import type { Env } from '../main/env.ts';
import type { Logger } from '../logging/logger.ts';
import { runRoles, type RunningRoles } from '../main/roles.ts';
import { createSandboxActions } from './actions.ts';
import { bundlePage } from './bundle.ts';
import { createLiveFeed } from './live-feed.ts';
import { sandboxPolicy } from './policy.ts';
import { registerSandboxRoutes } from './routes.ts';
import { createScenario, type SandboxApi } from './scenario.ts';
import { createSandboxWorld, type SandboxWorld } from './world.ts';

const PAGE = fileURLToPath(new URL('./page/index.html', import.meta.url));
const ROLLBACK_SCRIPT = fileURLToPath(new URL('../../examples/sandbox-rollback.sh', import.meta.url));

export interface SandboxOptions {
  /** The environment backstop runs with; the sandbox adds its emulator's bot token and its own API tokens. */
  env: Env;
  logger: Logger;
  /** Pause between the scripted incident's beats (default 1.5 s, slow enough to read). */
  paceMs?: number;
}

export interface RunningSandbox {
  url: string;
  world: SandboxWorld;
  /** backstop's HTTP API with the sandbox's own tokens (CI's, and a read-only one). */
  api: SandboxApi;
  running: RunningRoles;
  close(): Promise<void>;
}

/**
 * `backstop demo`: every role of the real backstop (api, worker, gateway) in one process, logged into the built-in
 * Discord emulator instead of Discord, and the sandbox page at /sandbox that shows the channel and lets a person act
 * in it. Nothing is faked on backstop's side: the same policy schema, HTTP API, queue, worker and Discord bot.
 */
export async function startSandbox(opts: SandboxOptions): Promise<RunningSandbox> {
  const { logger } = opts;
  const world = await createSandboxWorld();
  const { emu } = world;
  try {
    const parsed = parseConfig(sandboxPolicy(world.ids, ROLLBACK_SCRIPT));
    if (!parsed.ok) throw new Error(`the sandbox policy is invalid: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    const tokens = { CI: randomBytes(16).toString('hex'), OBSERVER: randomBytes(16).toString('hex') };
    const env: Env = { ...opts.env, DISCORD_TOKEN: emu.botToken, DISCORD_API_URL: emu.apiUrl, DISCORD_APPLICATION_ID: emu.applicationId, tokens };
    const config = parsed.config;

    // The same registration `backstop commands register` does, so the page offers exactly the commands Discord would.
    await registerCommands(createDiscordRest(emu.botToken, emu.apiUrl), { applicationId: emu.applicationId, guildId: emu.guildId });
    const page = { html: await readFile(PAGE, 'utf8'), script: await bundlePage() };

    const feed = createLiveFeed(world);
    const actions = createSandboxActions(world);
    let app: Hono | undefined;
    const api: SandboxApi = async (method, path, token, body) => {
      if (!app) throw new Error('the sandbox API is not mounted yet');
      // In process through the whole HTTP stack (auth, validation, handlers): what CI's curl would get, minus a socket.
      const res = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${token === 'ci' ? tokens.CI : tokens.OBSERVER}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    };
    const scenario = createScenario({
      world,
      actions,
      api,
      narrate: (entry) => feed.narrate(entry),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      paceMs: opts.paceMs ?? 1_500,
      onPlaying: (playing) => feed.scenario(playing),
    });

    const running = await runRoles(
      { env, config, logger },
      { api: true, worker: true, gateway: true },
      {
        extraRoutes: (mounted) => {
          app = mounted;
          registerSandboxRoutes(mounted, { world, actions, feed, scenario, page });
        },
      },
    );
    const address = running.server!.address() as AddressInfo;
    const host = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(address.address) ? 'localhost' : address.address;
    return {
      url: `http://${host}:${address.port}/sandbox`,
      world,
      api,
      running,
      async close() {
        // The scripted incident stops sending, and open pages' event streams end, so the HTTP server can close.
        scenario.stop();
        feed.close();
        await running.close();
        await emu.close();
      },
    };
  } catch (err) {
    await emu.close();
    throw err;
  }
}
