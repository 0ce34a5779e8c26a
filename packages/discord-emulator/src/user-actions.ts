import { type ChannelStore, renderMessage } from './channel-store.ts';
import { checkOptions, resolveOptions } from './command-options.ts';
import { walkComponents } from './components.ts';
import type { CommandStore } from './command-store.ts';
import type { Gateway } from './gateway.ts';
import type { GuildStore } from './guild-store.ts';
import { INTERACTION_TYPE, type InteractionKind, type InteractionStore } from './interactions.ts';
import type { EmulatedInteraction, EmulatedUser, ViolationSink } from './types.ts';

/** Discord's attachment limit for an unboosted guild. */
const ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

/**
 * What a person in the guild can do: run a slash command, type into an autocompleted option, click a button, submit a
 * modal. Each one becomes an INTERACTION_CREATE dispatch shaped like Discord's. Asking for something a person could
 * not do (an unregistered command, a button that isn't there, a modal nobody showed) throws: that is a test bug.
 */
export function createUserActions(deps: {
  applicationId: string;
  defaultChannelId: string;
  guild: GuildStore;
  channels: ChannelStore;
  commands: CommandStore;
  interactions: InteractionStore;
  gateway: Gateway;
  violation: ViolationSink;
}) {
  const { guild } = deps;

  function member(user: EmulatedUser): Record<string, unknown> {
    const m = guild.apiMember(user.id);
    if (!m) throw new Error(`${user.username} (${user.id}) is not a member of the emulated guild; use addUser()`);
    return { ...m, permissions: guild.permissionsOf(user.id).toString() };
  }

  function channel(channelId: string, user: EmulatedUser): Record<string, unknown> {
    const c = guild.apiChannel(channelId);
    if (!c) throw new Error(`no channel ${channelId} in the emulated guild`);
    return { ...c, permissions: guild.permissionsOf(user.id).toString() };
  }

  const renderUser = (id: string) => guild.apiUser(id);

  function dispatch(
    kind: InteractionKind,
    user: EmulatedUser,
    channelId: string,
    label: string,
    data: Record<string, unknown>,
    extra: { sourceMessageId?: string; commandName?: string } = {},
  ): EmulatedInteraction {
    const payloadMember = member(user);
    const payloadChannel = channel(channelId, user);
    const record = deps.interactions.create({ kind, label, userId: user.id, channelId, ...extra });
    const source = extra.sourceMessageId ? deps.channels.get(extra.sourceMessageId) : undefined;
    const delivered = deps.gateway.dispatch('INTERACTION_CREATE', {
      id: record.id,
      application_id: deps.applicationId,
      type: INTERACTION_TYPE[kind],
      token: record.token,
      version: 1,
      data,
      guild: { id: guild.guildId, locale: 'en-US', features: [] },
      guild_id: guild.guildId,
      guild_locale: 'en-US',
      channel: payloadChannel,
      channel_id: channelId,
      member: payloadMember,
      app_permissions: guild.appPermissions(),
      locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guild.guildId },
      context: 0,
      attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
      ...(source ? { message: renderMessage(source, renderUser) } : {}),
    });
    // Said separately from the (certain) ack timeout, because the cause is the test's timing, not the bot's code.
    if (delivered === 0) deps.violation(`${label} (${record.id}) was dispatched while no bot session was connected`);
    return deps.interactions.view(record);
  }

  function commandData(user: EmulatedUser, name: string, options: unknown[], autocomplete: boolean) {
    const command = deps.commands.findChatInput(guild.guildId, name);
    if (!command) throw new Error(`/${name} is not registered (bulk-overwrite the guild or global commands first)`);
    const checked = checkOptions(name, command.options, options, { autocomplete }, guild);
    const resolved = autocomplete ? undefined : resolveOptions(checked, guild, user.id);
    return {
      id: command.id,
      name: command.name,
      type: 1,
      ...(command.guild_id ? { guild_id: command.guild_id } : {}),
      ...(checked.length > 0 ? { options: checked } : {}),
      ...(resolved ? { resolved } : {}),
    };
  }

  return {
    async slash(user: EmulatedUser, input: { name: string; options?: unknown[]; channelId?: string }) {
      const data = commandData(user, input.name, input.options ?? [], false);
      return dispatch('command', user, input.channelId ?? deps.defaultChannelId, `/${input.name}`, data, { commandName: input.name });
    },

    async autocomplete(user: EmulatedUser, input: { name: string; options: unknown[]; channelId?: string }) {
      const data = commandData(user, input.name, input.options, true);
      return dispatch('autocomplete', user, input.channelId ?? deps.defaultChannelId, `autocomplete /${input.name}`, data, { commandName: input.name });
    },

    async click(user: EmulatedUser, messageId: string, customId: string) {
      const message = deps.channels.get(messageId);
      if (!message) throw new Error(`click: no message ${messageId}`);
      let button: any;
      walkComponents(message.components, [], (c) => {
        if (c.type === 2 && c.custom_id === customId) button = c;
      });
      if (!button) throw new Error(`click: message ${messageId} has no button with custom_id ${customId}`);
      if (button.disabled) throw new Error(`click: button ${customId} on message ${messageId} is disabled`);
      const data = { custom_id: customId, component_type: 2, ...(typeof button.id === 'number' ? { id: button.id } : {}) };
      return dispatch('component', user, message.channelId, `button ${customId}`, data, { sourceMessageId: messageId });
    },

    async submitModal(user: EmulatedUser, input: { customId: string; fields: Record<string, string>; messageId?: string; channelId?: string }) {
      const shown = deps.interactions.modalsShownTo(user.id).find((m) => m.modal?.custom_id === input.customId);
      if (!shown) throw new Error(`submitModal: no modal ${input.customId} was shown to ${user.username}`);
      const components = modalAnswers(shown.modal, input.fields);
      // A modal opened from a button carries that button's message, so the submit can update it (type 7).
      const messageId = input.messageId ?? (shown.record.kind === 'component' ? shown.record.sourceMessageId : undefined);
      const channelId = input.channelId ?? shown.record.channelId;
      return dispatch('modal', user, channelId, `modal ${input.customId}`, { custom_id: input.customId, components }, messageId ? { sourceMessageId: messageId } : {});
    },
  };
}

/** The submitted components in the layout the modal used (action rows or labels), with each text input's value. */
function modalAnswers(modal: any, fields: Record<string, string>): unknown[] {
  const inputs = new Map<string, any>();
  walkComponents(modal.components, [], (c) => {
    if (c.type === 4) inputs.set(c.custom_id, c);
  });
  for (const key of Object.keys(fields)) {
    if (!inputs.has(key)) throw new Error(`submitModal: modal ${modal.custom_id} has no text input ${key} (has ${[...inputs.keys()].join(', ')})`);
  }
  for (const [id, c] of inputs) {
    const value = fields[id] ?? '';
    if ((c.required ?? true) && value === '') throw new Error(`submitModal: text input ${id} is required`);
    if (value !== '' && c.min_length !== undefined && value.length < c.min_length) throw new Error(`submitModal: ${id} is shorter than min_length ${c.min_length}`);
    if (c.max_length !== undefined && value.length > c.max_length) throw new Error(`submitModal: ${id} is longer than max_length ${c.max_length}`);
  }
  const answer = (c: any) => ({ type: 4, ...(typeof c.id === 'number' ? { id: c.id } : {}), custom_id: c.custom_id, value: fields[c.custom_id] ?? '' });
  return (modal.components as any[]).flatMap((top: any) => {
    if (top.type === 1) return [{ type: 1, ...(typeof top.id === 'number' ? { id: top.id } : {}), components: (top.components ?? []).filter((c: any) => c.type === 4).map(answer) }];
    if (top.type === 18 && top.component?.type === 4) return [{ type: 18, ...(typeof top.id === 'number' ? { id: top.id } : {}), component: answer(top.component) }];
    if (top.type === 10) return [{ type: 10, ...(typeof top.id === 'number' ? { id: top.id } : {}) }];
    return [];
  });
}
