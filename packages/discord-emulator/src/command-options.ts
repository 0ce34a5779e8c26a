import type { GuildStore } from './guild-store.ts';

/** Application command option types. */
const T = { SUB_COMMAND: 1, SUB_COMMAND_GROUP: 2, STRING: 3, INTEGER: 4, BOOLEAN: 5, USER: 6, CHANNEL: 7, ROLE: 8, MENTIONABLE: 9, NUMBER: 10, ATTACHMENT: 11 } as const;

export interface GivenOption {
  type: number;
  name: string;
  value?: unknown;
  options?: GivenOption[];
  focused?: boolean;
}

/**
 * Checks the options a test "types" against the registered command, the way Discord's client only lets a user send
 * what the command declares. A mismatch is a mistake in the test (or a stale registration), so it throws rather than
 * recording a bot violation. Returns the options with `type` filled in from the definition where the test left it out.
 */
export function checkOptions(
  commandName: string,
  defs: any[] | undefined,
  given: unknown[],
  mode: { autocomplete: boolean },
  guild: GuildStore,
): GivenOption[] {
  const fail = (msg: string): never => {
    throw new Error(`/${commandName}: ${msg}`);
  };
  const walk = (defs: any[], given: unknown[], where: string): GivenOption[] => {
    const out = given.map((raw) => {
      if (!raw || typeof raw !== 'object') fail(`option at ${where} is not an object`);
      const option = { ...(raw as GivenOption) };
      const def = defs.find((d) => d.name === option.name);
      if (!def) fail(`${where}${option.name}: not an option of the registered command (has ${defs.map((d) => d.name).join(', ') || 'none'})`);
      option.type ??= def.type;
      if (option.type !== def.type) fail(`${where}${option.name}: type ${option.type}, registered as ${def.type}`);
      if (def.type === T.SUB_COMMAND || def.type === T.SUB_COMMAND_GROUP) {
        option.options = walk(def.options ?? [], option.options ?? [], `${where}${option.name} `);
        return option;
      }
      if (option.focused) {
        if (!mode.autocomplete) fail(`${where}${option.name}: focused is only for autocomplete`);
        if (!def.autocomplete) fail(`${where}${option.name}: the registered option has no autocomplete`);
        if (typeof option.value !== 'string') fail(`${where}${option.name}: a focused option's value is the text typed so far`);
        return option;
      }
      checkValue(def, option, `${where}${option.name}`, guild, fail);
      return option;
    });
    const subcommand = out.find((o) => o.type === T.SUB_COMMAND || o.type === T.SUB_COMMAND_GROUP);
    const hasSubcommands = defs.some((d) => d.type === T.SUB_COMMAND || d.type === T.SUB_COMMAND_GROUP);
    if (hasSubcommands && (!subcommand || out.length !== 1)) fail(`${where}pick exactly one subcommand (${defs.map((d) => d.name).join(', ')})`);
    if (!mode.autocomplete) {
      for (const def of defs) {
        if (def.required && !out.some((o) => o.name === def.name)) fail(`${where}${def.name}: required option missing`);
      }
    }
    return out;
  };
  const options = walk(defs ?? [], given, '');
  if (mode.autocomplete && countFocused(options) !== 1) fail('autocomplete needs exactly one option with focused: true');
  return options;
}

function countFocused(options: GivenOption[]): number {
  return options.reduce((n, o) => n + (o.focused ? 1 : 0) + countFocused(o.options ?? []), 0);
}

function checkValue(def: any, option: GivenOption, where: string, guild: GuildStore, fail: (msg: string) => never): void {
  const v = option.value;
  switch (def.type) {
    case T.STRING:
      if (typeof v !== 'string') fail(`${where}: expected a string`);
      if (def.min_length !== undefined && (v as string).length < def.min_length) fail(`${where}: shorter than min_length ${def.min_length}`);
      if (def.max_length !== undefined && (v as string).length > def.max_length) fail(`${where}: longer than max_length ${def.max_length}`);
      break;
    case T.INTEGER:
    case T.NUMBER:
      if (typeof v !== 'number' || (def.type === T.INTEGER && !Number.isInteger(v))) fail(`${where}: expected ${def.type === T.INTEGER ? 'an integer' : 'a number'}`);
      if (def.min_value !== undefined && (v as number) < def.min_value) fail(`${where}: below min_value ${def.min_value}`);
      if (def.max_value !== undefined && (v as number) > def.max_value) fail(`${where}: above max_value ${def.max_value}`);
      break;
    case T.BOOLEAN:
      if (typeof v !== 'boolean') fail(`${where}: expected a boolean`);
      break;
    case T.USER:
      if (typeof v !== 'string' || !guild.hasUser(v)) fail(`${where}: expected the id of a guild member`);
      break;
    case T.CHANNEL:
      if (typeof v !== 'string' || !guild.hasChannel(v)) fail(`${where}: expected the id of a guild channel`);
      break;
    case T.ROLE:
      if (typeof v !== 'string' || !guild.hasRole(v)) fail(`${where}: expected the id of a guild role`);
      break;
    case T.MENTIONABLE:
      if (typeof v !== 'string' || !(guild.hasUser(v) || guild.hasRole(v))) fail(`${where}: expected a member or role id`);
      break;
    default:
      fail(`${where}: option type ${def.type} is not emulated`);
  }
  if (Array.isArray(def.choices) && def.choices.length > 0 && !def.choices.some((c: any) => c.value === v)) {
    fail(`${where}: ${JSON.stringify(v)} is not one of the registered choices`);
  }
}

/** `data.resolved` for the user/member/role/channel options, which discord.js reads for getUser() and friends. */
export function resolveOptions(options: GivenOption[], guild: GuildStore, invokerId: string): Record<string, Record<string, unknown>> | undefined {
  const resolved: Record<string, Record<string, unknown>> = {};
  const put = (kind: string, id: string, value: unknown) => {
    (resolved[kind] ??= {})[id] = value;
  };
  const addUser = (id: string) => {
    const { user: _user, ...member } = guild.apiMember(id)!;
    put('users', id, guild.apiUser(id));
    put('members', id, { ...member, permissions: guild.permissionsOf(id).toString() });
  };
  const walk = (list: GivenOption[]) => {
    for (const o of list) {
      if (o.focused) continue;
      const id = typeof o.value === 'string' ? o.value : '';
      if (o.type === T.USER || (o.type === T.MENTIONABLE && guild.hasUser(id))) addUser(id);
      else if (o.type === T.ROLE || o.type === T.MENTIONABLE) put('roles', id, guild.apiRole(id));
      else if (o.type === T.CHANNEL) {
        const channel = guild.apiChannel(id)!;
        put('channels', id, { id, name: channel.name, type: channel.type, parent_id: null, permissions: guild.permissionsOf(invokerId).toString(), flags: 0 });
      }
      walk(o.options ?? []);
    }
  };
  walk(options);
  return Object.keys(resolved).length > 0 ? resolved : undefined;
}
