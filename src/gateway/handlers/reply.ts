import type { APIActionRowComponent, APIButtonComponent, APIEmbed } from 'discord.js';

/** What a handler answers; the dispatcher sends it ephemerally with mentions disabled. */
export interface Reply {
  content?: string;
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIButtonComponent>[];
}
