import type { EmulatedInteraction } from '@backstop/discord-emulator';
import type { ActionResult, ShownModal } from './contract.ts';
import { parseCommand, type CommandDef } from './parse-command.ts';
import type { SandboxPerson, SandboxWorld } from './world.ts';

// Discord's client gives up after the 3 s acknowledgement window and shows this.
const NO_RESPONSE = 'The application did not respond';
const ACK_WAIT_MS = 3_500;

export type SandboxActions = ReturnType<typeof createSandboxActions>;

/** What a person on the sandbox page can do, as the Discord client would do it for them. */
export function createSandboxActions(world: SandboxWorld) {
  const { emu } = world;
  const commands = () => emu.registeredCommands(emu.guildId) as CommandDef[];

  async function answered(interaction: EmulatedInteraction): Promise<{ type: number; data?: any } | undefined> {
    return interaction.until((i) => i.callbacks[0], ACK_WAIT_MS).catch(() => undefined);
  }

  // The emulator throws when asked for something a person could not do (a button that is gone or disabled, options
  // Discord's client would not send); on the page that is the person's mistake, said plainly.
  async function attempt(run: () => Promise<ActionResult>): Promise<ActionResult> {
    try {
      return await run();
    } catch (err) {
      return { ok: false, error: (err as Error).message.replace(/^(click|submitModal): /, '') };
    }
  }

  return {
    command(person: SandboxPerson, text: string): Promise<ActionResult> {
      return attempt(async () => {
        const parsed = parseCommand(text, commands());
        if (!parsed.ok) return parsed;
        const interaction = await emu.slash(person.user, { name: parsed.name, options: parsed.options });
        return (await answered(interaction)) ? { ok: true } : { ok: false, error: NO_RESPONSE };
      });
    },

    autocomplete(person: SandboxPerson, text: string): Promise<ActionResult> {
      return attempt(async () => {
        const parsed = parseCommand(text, commands(), { autocomplete: true });
        if (!parsed.ok) return parsed;
        if (!parsed.focused) return { ok: true, choices: [] };
        const interaction = await emu.autocomplete(person.user, { name: parsed.name, options: parsed.options });
        const reply = await answered(interaction);
        if (!reply) return { ok: false, error: NO_RESPONSE };
        return { ok: true, choices: (reply.data?.choices ?? []) as Array<{ name: string; value: string }> };
      });
    },

    click(person: SandboxPerson, messageId: string, customId: string): Promise<ActionResult> {
      return attempt(async () => {
        const interaction = await emu.click(person.user, messageId, customId);
        const reply = await answered(interaction);
        if (!reply) return { ok: false, error: NO_RESPONSE };
        return reply.type === 9 ? { ok: true, modal: describeModal(reply.data, messageId) } : { ok: true };
      });
    },

    submitModal(person: SandboxPerson, input: { customId: string; messageId?: string; fields: Record<string, string> }): Promise<ActionResult> {
      return attempt(async () => {
        const interaction = await emu.submitModal(person.user, { customId: input.customId, fields: input.fields, ...(input.messageId ? { messageId: input.messageId } : {}) });
        return (await answered(interaction)) ? { ok: true } : { ok: false, error: NO_RESPONSE };
      });
    },
  };
}

function describeModal(data: any, messageId: string): ShownModal {
  const inputs: ShownModal['inputs'] = [];
  const visit = (c: any) => {
    if (!c || typeof c !== 'object') return;
    if (c.type === 4) {
      inputs.push({
        custom_id: c.custom_id,
        label: c.label ?? c.custom_id,
        style: c.style === 2 ? 'paragraph' : 'short',
        required: c.required ?? true,
        ...(c.min_length !== undefined ? { min_length: c.min_length } : {}),
        ...(c.max_length !== undefined ? { max_length: c.max_length } : {}),
        ...(c.placeholder ? { placeholder: c.placeholder } : {}),
      });
    }
    // A label component (type 18) names its input; the input itself may carry no label.
    if (c.type === 18 && c.component?.type === 4) {
      visit({ ...c.component, label: c.component.label ?? c.label });
      return;
    }
    for (const child of c.components ?? []) visit(child);
  };
  for (const top of data?.components ?? []) visit(top);
  return { custom_id: data.custom_id, title: data.title ?? '', message_id: messageId, inputs };
}
