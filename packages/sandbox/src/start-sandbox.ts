import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { createSandboxActions } from './actions.ts';
import { bundlePage } from './bundle.ts';
import type { HostedBackstop, SandboxHost } from './host.ts';
import { createLiveFeed } from './live-feed.ts';
import { sandboxPolicy } from './policy.ts';
import { registerSandboxRoutes } from './routes.ts';
import { createScenario, type SandboxApi } from './scenario.ts';
import { createSandboxWorld, type SandboxWorld } from './world.ts';

const PAGE = fileURLToPath(new URL('./page/index.html', import.meta.url));
const ROLLBACK_SCRIPT = fileURLToPath(new URL('../rollback.sh', import.meta.url));

export interface SandboxOptions {
  /** backstop, handed in; the sandbox gives it the emulator's bot login, its policy and its own API tokens. */
  host: SandboxHost;
  /** Pause between the scripted incident's beats (default 1.5 s, slow enough to read). */
  paceMs?: number;
}

export interface RunningSandbox {
  url: string;
  world: SandboxWorld;
  /** backstop's HTTP API with the sandbox's own tokens (CI's, and a read-only one). */
  api: SandboxApi;
  running: HostedBackstop;
  close(): Promise<void>;
}

/**
 * `backstop demo`: every role of the real backstop (api, worker, gateway) in one process, logged into the built-in
 * Discord emulator instead of Discord, and the sandbox page at /sandbox that shows the channel and lets a person act
 * in it. Nothing is faked on backstop's side: the same policy schema, HTTP API, queue, worker and Discord bot.
 */
export async function startSandbox(opts: SandboxOptions): Promise<RunningSandbox> {
  const { host } = opts;
  const world = await createSandboxWorld();
  const { emu } = world;
  try {
    const tokens = { CI: randomBytes(16).toString('hex'), OBSERVER: randomBytes(16).toString('hex') };
    const discord = { apiUrl: emu.apiUrl, botToken: emu.botToken, applicationId: emu.applicationId, guildId: emu.guildId };

    // The same registration `backstop commands register` does, so the page offers exactly the commands Discord would.
    await host.registerCommands(discord);
    const page = { html: await readFile(PAGE, 'utf8'), script: bundlePage() };

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

    const running = await host.start({
      discord,
      policy: sandboxPolicy(world.ids, ROLLBACK_SCRIPT),
      tokens,
      mount: (mounted) => {
        app = mounted;
        registerSandboxRoutes(mounted, { world, actions, feed, scenario, page, httpError: host.httpError });
      },
    });
    const address = running.server.address() as AddressInfo;
    const hostname = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(address.address) ? 'localhost' : address.address;
    return {
      url: `http://${hostname}:${address.port}/sandbox`,
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
