import type { Interaction } from 'discord.js';
import type { Config } from '../config/load.ts';
import type { Role } from '../config/schema.ts';
import type { Actor } from '../core/deps.ts';
import { discordIdentity } from '../admission/people.ts';

/** Who clicked or typed, as the interaction payload tells it. */
export interface DiscordCaller {
  userId: string;
  name: string;
  roleIds: readonly string[];
  channelId: string | null;
}

/** Read from the interaction's own payload (member roles included), so no member cache or intent is needed. */
export function callerOf(interaction: Interaction): DiscordCaller {
  const member = interaction.member;
  const roles = member ? (Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()]) : [];
  return {
    userId: interaction.user.id,
    name: interaction.user.globalName ?? interaction.user.username,
    roleIds: roles,
    channelId: interaction.channelId,
  };
}

export type Authorization = { ok: true; actor: Actor } | { ok: false; reason: string };

/** What each command and button needs. Viewing is open to every configured role; deciding is not; letting a deploy
 * through a freeze takes the override role, as a constitutional override does. */
export const NEEDS = {
  view: ['viewer', 'approver', 'override'],
  decide: ['approver', 'override'],
  override: ['override'],
} as const satisfies Record<string, readonly Role[]>;

/**
 * backstop's own check, from the policy file's Discord role ids and channel allowlist. Discord's command permissions
 * can be changed by any server admin, so they are never the boundary. Roles are matched by id, never by name: a
 * name can be given to a new role by anyone who manages roles.
 */
export function authorize(config: Config, caller: DiscordCaller, needs: readonly Role[]): Authorization {
  const discord = config.raw.discord;
  if (!discord) return { ok: false, reason: 'Discord is not configured in the policy file' };
  const allowed = new Set([...discord.allowed_channels, ...(discord.channel_id ? [discord.channel_id] : [])]);
  if (allowed.size > 0 && (!caller.channelId || !allowed.has(caller.channelId))) {
    return { ok: false, reason: 'backstop does not take commands in this channel; use the rollback channel' };
  }
  const roles = rolesOfMember(config, caller.roleIds);
  if (!needs.some((r) => roles.has(r))) {
    return { ok: false, reason: `you need the ${needs.join(' or ')} role in backstop's policy to do this` };
  }
  return { ok: true, actor: { id: discordIdentity(config, caller.userId), name: caller.name, roles, source: 'discord' } };
}

/** backstop's roles of a guild member, from the member's Discord role ids as Discord reports them. */
export function rolesOfMember(config: Config, roleIds: readonly string[]): Set<Role> {
  const roles = new Set<Role>();
  const mapping = config.raw.discord?.roles;
  if (!mapping) return roles;
  const has = (ids: readonly string[]) => ids.some((id) => roleIds.includes(id));
  if (has(mapping.viewer)) roles.add('viewer');
  if (has(mapping.approver)) roles.add('approver');
  if (has(mapping.override)) roles.add('override');
  return roles;
}
