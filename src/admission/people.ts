import type { Config } from '../config/load.ts';

// The policy file's `people:` links one human's Discord account and API tokens. A linked human is recorded, and
// counted among approvers, as person:<name> whichever path they came by, so approving once in Discord and once with
// their token is one vote, not two people.

const personId = (name: string) => `person:${name}`;

/** The id a Discord user acts as: person:<name> when linked, else discord:<snowflake>. */
export function discordIdentity(config: Config, userId: string): string {
  const linked = Object.entries(config.raw.people).find(([, p]) => p.discord === userId);
  return linked ? personId(linked[0]) : `discord:${userId}`;
}

/** The id a token acts as: person:<name> when linked, else the token's `identity` or its name. */
export function tokenIdentity(config: Config, tokenName: string): string {
  const linked = Object.entries(config.raw.people).find(([, p]) => p.tokens.includes(tokenName));
  return linked ? personId(linked[0]) : (config.raw.api.tokens[tokenName]?.identity ?? tokenName);
}
