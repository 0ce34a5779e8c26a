import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/load.ts';
import { RoleSchema, type Role, type TokenRole } from '../config/schema.ts';
import { tokenEnvName } from '../main/env.ts';
import type { Actor } from '../core/deps.ts';
import { AppError } from '../errors/app-error.ts';

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
        actor: { id: token.identity ?? name, roles: new Set<Role>(token.roles.filter(isPersonRole)), source: 'api' },
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
 * The person an action is recorded as. A token acts as its own identity; only a token trusted to speak for others
 * (the Discord gateway) may name someone else, with the roles it vouches for.
 */
export function actingAs(principal: TokenPrincipal, named: { id?: string | undefined; name?: string | undefined; roles?: Role[] | undefined }): Actor {
  if (!named.id || named.id === principal.actor.id) return principal.actor;
  if (!principal.speaksForOthers) {
    throw new AppError('FORBIDDEN', `token "${principal.tokenName}" may only act as "${principal.actor.id}", not as "${named.id}"`);
  }
  return { id: named.id, name: named.name, roles: new Set<Role>(named.roles ?? ['viewer']), source: 'discord' };
}
