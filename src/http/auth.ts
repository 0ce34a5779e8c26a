import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/load.ts';
import { RoleSchema, type Role, type TokenRole } from '../config/schema.ts';
import { tokenEnvName } from '../main/env.ts';
import type { Actor } from '../core/deps.ts';
import { AppError } from '../errors/app-error.ts';
import { discordIdentity, tokenIdentity } from '../admission/people.ts';
import type { MemberLookup } from '../discord/member-roles.ts';
import { rolesOfMember } from '../gateway/authorize.ts';

export interface TokenPrincipal {
  tokenName: string;
  /** What the token may do, automation included; route access is checked against these. */
  roles: ReadonlySet<TokenRole>;
  /** Who its actions are recorded as, with only a person's roles. */
  actor: Actor;
  speaksForOthers: boolean;
}

const isPersonRole = (r: TokenRole): r is Role => RoleSchema.safeParse(r).success;

interface KnownToken {
  digest: Buffer;
  principal: TokenPrincipal;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export type Authenticator = (authorization: string | undefined) => TokenPrincipal;

/**
 * Bearer tokens from the policy file, with values from BACKSTOP_TOKEN_<NAME>. Compared as SHA-256 digests with
 * timingSafeEqual, every configured token every time, so neither the value nor its length leaks through timing.
 */
/**
 * The secret from `Bearer <token>`, or from `Basic base64(name:token)` for senders that only speak basic auth
 * (Alertmanager's webhook_config can do either). With basic auth the token, not the user name, is the credential.
 */
function presentedSecret(authorization: string | undefined): string {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0 && decoded.length > colon + 1) return decoded.slice(colon + 1);
  }
  throw new AppError('UNAUTHORIZED', 'missing bearer token: send "Authorization: Bearer <token>" (or basic auth with the token as password)');
}

export function createAuthenticator(config: Config, tokenValues: Record<string, string>): Authenticator {
  const known: KnownToken[] = [];
  for (const [name, token] of Object.entries(config.raw.api.tokens)) {
    const value = tokenValues[tokenEnvName(name).slice('BACKSTOP_TOKEN_'.length)];
    if (!value) continue;
    known.push({
      digest: digest(value),
      principal: {
        tokenName: name,
        speaksForOthers: token.speaks_for_others,
        roles: new Set<TokenRole>(token.roles),
        actor: { id: tokenIdentity(config, name), roles: new Set<Role>(token.roles.filter(isPersonRole)), source: 'api' },
      },
    });
  }
  return (authorization) => {
    const presented = digest(presentedSecret(authorization));
    let match: TokenPrincipal | undefined;
    for (const k of known) if (timingSafeEqual(k.digest, presented)) match = k.principal;
    if (!match) throw new AppError('UNAUTHORIZED', 'invalid token');
    return match;
  };
}

export function requireRole(principal: TokenPrincipal, roles: readonly TokenRole[]): void {
  const held = principal.roles;
  if (held.has('admin') || roles.some((r) => held.has(r))) return;
  throw new AppError('FORBIDDEN', `token "${principal.tokenName}" lacks the role for this (needs one of: ${roles.join(', ')})`);
}

/**
 * What a token that speaks for others may assert: a Discord user, by id. Never roles, never anyone else: the token is
 * one secret, and if its holder could name any identity with any roles, that one secret would be the whole
 * two-person rule.
 */
const DISCORD_PERSON = /^discord:(\d{17,20})$/;

export interface IdentityDeps {
  config: Config;
  /** Asks Discord for a member's roles (the bot's token); absent when the API has no Discord to ask. */
  members?: MemberLookup;
}

/**
 * The person an action is recorded as. A token acts as its own identity (person:<name> when the policy file's
 * `people:` links it). Only a token trusted to speak for others (the Discord gateway) may name someone else, and only a
 * Discord user: backstop asks Discord which roles that member holds and maps them through the policy file, so two
 * votes through the gateway count as two people only when Discord knows them as two members.
 */
export async function actingAs(deps: IdentityDeps, principal: TokenPrincipal, named: { id?: string | undefined; name?: string | undefined }): Promise<Actor> {
  if (!named.id || named.id === principal.actor.id) return principal.actor;
  if (!principal.speaksForOthers) {
    throw new AppError('FORBIDDEN', `token "${principal.tokenName}" may only act as "${principal.actor.id}", not as "${named.id}"`);
  }
  const userId = DISCORD_PERSON.exec(named.id)?.[1];
  if (!userId) throw new AppError('FORBIDDEN', `token "${principal.tokenName}" speaks only for Discord users (discord:<user id>), not for "${named.id}"`);
  if (!deps.members) {
    throw new AppError('FORBIDDEN', `backstop cannot verify ${named.id} here: the API asks Discord for a member's roles, which needs DISCORD_TOKEN and discord.guild_id`);
  }
  const membership = await deps.members(userId).catch((err: unknown) => {
    throw new AppError('DISCORD_UNAVAILABLE', `backstop cannot ask Discord about ${named.id} now; try again shortly`, { retryable: true, cause: err });
  });
  if (membership.kind === 'not_member') throw new AppError('FORBIDDEN', `${named.id} is not a member of the guild in the policy file`);
  return { id: discordIdentity(deps.config, userId), name: named.name, roles: rolesOfMember(deps.config, membership.roleIds), source: 'discord' };
}

/** The roles a token may not assert: a request that names them is refused with the field, not silently trimmed. */
export const NO_CLAIMED_ROLES = 'a token may not assert roles: backstop resolves each person\'s roles from Discord and the policy file';
