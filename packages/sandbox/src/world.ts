import { startDiscordEmulator, type DiscordEmulator, type EmulatedUser } from '@backstop/discord-emulator';
import { PERSONAS, ROLE_NAMES, type Persona, type SandboxRole } from './personas.ts';
import type { SandboxIds } from './policy.ts';

export interface SandboxPerson extends Persona {
  user: EmulatedUser;
}

export interface SandboxWorld {
  emu: DiscordEmulator;
  ids: SandboxIds;
  people: SandboxPerson[];
  person(key: string): SandboxPerson | undefined;
  /** Discord role id → name, for rendering role mentions. */
  roleNames: Record<string, string>;
}

/** The sandbox's Discord: the emulator backstop's tests use, with a guild, a #deploys channel, roles and people. */
export async function createSandboxWorld(emulator: () => Promise<DiscordEmulator> = startDiscordEmulator): Promise<SandboxWorld> {
  const emu = await emulator();
  const roles = Object.fromEntries(
    (Object.keys(ROLE_NAMES) as SandboxRole[]).map((role) => [role, emu.createRole(ROLE_NAMES[role])]),
  ) as Record<SandboxRole, string>;
  const people = PERSONAS.map((p) => ({ ...p, user: emu.addUser({ username: p.username, roles: p.roles.map((r) => roles[r]) }) }));
  return {
    emu,
    ids: { guildId: emu.guildId, channelId: emu.channelId, roles },
    people,
    person: (key) => people.find((p) => p.key === key),
    roleNames: Object.fromEntries((Object.keys(roles) as SandboxRole[]).map((r) => [roles[r], ROLE_NAMES[r]])),
  };
}
