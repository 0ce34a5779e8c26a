import { Client, Events, GatewayIntentBits, Options } from 'discord.js';
import type { Logger } from '../logging/logger.ts';
import { closeWithin } from '../core/close-within.ts';
import type { CoreDeps } from '../core/deps.ts';
import { createDispatcher } from './dispatcher.ts';
import { errorSummary } from './replies.ts';

export interface Gateway {
  client: Client;
  close(): Promise<void>;
}

/**
 * The one process that holds the Discord gateway connection. Interactions only need the Guilds intent (no message
 * content, no members, no presences), and the caches are capped because backstop reads what it needs from each
 * interaction's own payload.
 */
export async function startGateway(input: { token: string; apiUrl?: string | undefined; deps: CoreDeps; logger: Logger }): Promise<Gateway> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    ...(input.apiUrl ? { rest: { api: input.apiUrl } } : {}),
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      ReactionManager: 0,
      PresenceManager: 0,
      ThreadManager: 0,
      GuildMemberManager: { maxSize: 200, keepOverLimit: (m) => m.id === m.client.user.id },
      UserManager: { maxSize: 200, keepOverLimit: (u) => u.id === u.client.user.id },
    }),
  });
  const dispatch = createDispatcher(input.deps);
  const inFlight = new Set<Promise<void>>();
  client.on(Events.InteractionCreate, (interaction) => {
    const p = dispatch(interaction);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  client.on(Events.Error, (err) => input.logger.error({ err: errorSummary(err) }, 'discord client error'));
  client.on(Events.ShardDisconnect, (ev, shard) => input.logger.warn({ code: ev.code, shard }, 'discord gateway disconnected'));
  client.on(Events.ShardResume, (shard, replayed) => input.logger.info({ shard, replayed }, 'discord gateway resumed'));

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(input.token);
  await ready;
  input.logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'discord gateway ready');
  return {
    client,
    async close() {
      // Let interactions being answered finish, so nobody is left with "the application did not respond".
      await closeWithin(Promise.allSettled([...inFlight]), 5_000);
      await client.destroy();
    },
  };
}
