import type { Context, Hono } from 'hono';
import { compress } from 'hono/compress';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { SandboxActions } from './actions.ts';
import type { SandboxHost } from './host.ts';
import type { Snapshot } from './contract.ts';
import type { LiveFeed } from './live-feed.ts';
import type { createScenario } from './scenario.ts';
import type { SandboxPerson, SandboxWorld } from './world.ts';

export interface SandboxRouteDeps {
  world: SandboxWorld;
  actions: SandboxActions;
  feed: LiveFeed;
  scenario: ReturnType<typeof createScenario>;
  page: { html: string; script: string };
  /** How often an idle event stream sends a comment, so proxies keep it open. */
  keepAliveMs?: number;
  /** backstop's own HTTP error, so the page's mistakes answer in the API's shape. */
  httpError: SandboxHost['httpError'];
}

const Id = z.string().regex(/^\d{17,20}$/, 'expected a Discord snowflake id');
const As = z.string().min(1).max(32);
const CommandBody = z.object({ as: As, text: z.string().min(1, 'type a command').max(4000) }).strict();
const ClickBody = z.object({ as: As, message_id: Id, custom_id: z.string().min(1).max(100) }).strict();
const ModalBody = z
  .object({ as: As, custom_id: z.string().min(1).max(100), message_id: Id.optional(), fields: z.record(z.string().max(100), z.string().max(4000)) })
  .strict();

async function parseBody<T>(c: Context, schema: z.ZodType<T>, httpError: SandboxHost['httpError']): Promise<T> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw httpError('BAD_REQUEST', 'the body is not valid JSON');
  }
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw httpError('VALIDATION_FAILED', 'the body is not valid', parsed.error);
}

function personOf(deps: SandboxRouteDeps, key: string): SandboxPerson {
  const { world } = deps;
  const person = world.person(key);
  if (!person) throw deps.httpError('VALIDATION_FAILED', `as: no person "${key.slice(0, 32)}" in the sandbox (${world.people.map((p) => p.key).join(', ')})`);
  return person;
}

function snapshot(deps: SandboxRouteDeps): Snapshot {
  const { world } = deps;
  return {
    guild_id: world.ids.guildId,
    channel: { id: world.ids.channelId, name: 'deploys' },
    bot: { id: world.emu.botUserId, username: 'backstop' },
    people: world.people.map((p) => ({ key: p.key, username: p.username, title: p.title, roles: p.roles, color: p.color, user_id: p.user.id })),
    role_names: world.roleNames,
    commands: world.emu.registeredCommands(world.ids.guildId),
    messages: world.emu.messages(),
    narration: deps.feed.narration(),
    playing: deps.scenario.playing,
    violations: world.emu.violations.length,
  };
}

/** The sandbox page and its JSON API, on backstop's own HTTP server (only `backstop demo` mounts them). */
export function registerSandboxRoutes(app: Hono, deps: SandboxRouteDeps): void {
  const { world, actions } = deps;
  app.get('/', (c) => c.redirect('/sandbox'));
  app.get('/sandbox', (c) => c.html(deps.page.html));
  // 400 KiB of Lit and Discord components; 83 KiB gzipped.
  app.get('/sandbox/app.js', compress(), (c) => c.body(deps.page.script, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/sandbox/api/state', (c) => c.json(snapshot(deps)));

  app.get('/sandbox/api/events', (c) =>
    streamSSE(c, async (stream) => {
      // Queued in order and written one at a time: SSE frames must not interleave.
      let chain = stream.writeSSE({ event: 'snapshot', data: JSON.stringify(snapshot(deps)) });
      const send = (event: string, data: unknown) => {
        chain = chain.then(() => stream.writeSSE({ event, data: JSON.stringify(data) })).catch(() => undefined);
      };
      let ended!: () => void;
      const done = new Promise<void>((resolve) => (ended = resolve));
      const unsubscribe = deps.feed.subscribe((e) => {
        if (e.type === 'message') send('message', { message: e.message, deleted: e.deleted, violations: world.emu.violations.length });
        else if (e.type === 'narration') send('narration', e.entry);
        else send('scenario', { playing: e.playing });
      }, ended);
      const keepAlive = setInterval(() => send('ping', {}), deps.keepAliveMs ?? 15_000);
      // The page went away, or the sandbox is shutting down (the browser's EventSource reconnects by itself).
      stream.onAbort(ended);
      await done;
      clearInterval(keepAlive);
      unsubscribe();
    }),
  );

  app.post('/sandbox/api/command', async (c) => {
    const body = await parseBody(c, CommandBody, deps.httpError);
    return c.json(await actions.command(personOf(deps, body.as), body.text));
  });
  app.post('/sandbox/api/autocomplete', async (c) => {
    const body = await parseBody(c, CommandBody, deps.httpError);
    return c.json(await actions.autocomplete(personOf(deps, body.as), body.text));
  });
  app.post('/sandbox/api/click', async (c) => {
    const body = await parseBody(c, ClickBody, deps.httpError);
    return c.json(await actions.click(personOf(deps, body.as), body.message_id, body.custom_id));
  });
  app.post('/sandbox/api/modal', async (c) => {
    const body = await parseBody(c, ModalBody, deps.httpError);
    return c.json(await actions.submitModal(personOf(deps, body.as), { customId: body.custom_id, fields: body.fields, ...(body.message_id ? { messageId: body.message_id } : {}) }));
  });
  app.post('/sandbox/api/scenario', async (c) => {
    const started = await deps.scenario.start();
    if (!started.ok) throw deps.httpError('CONFLICT', started.error);
    return c.json({ ok: true }, 202);
  });
}
