import { MessageFlags, type AutocompleteInteraction, type ButtonInteraction, type ChatInputCommandInteraction, type Interaction, type ModalBuilder, type ModalSubmitInteraction } from 'discord.js';
import { recordAudit } from '../audit/append-audit.ts';
import { getFreeze } from '../db/queries/freezes.ts';
import { getEvent } from '../db/queries/rollback-events.ts';
import type { Role } from '../config/schema.ts';
import { decideRollback, resolvedBy } from '../admission/decide-rollback.ts';
import type { Actor, CoreDeps } from '../core/deps.ts';
import { authorize, callerOf, NEEDS, type DiscordCaller } from './authorize.ts';
import { parseCustomId } from '../discord/custom-ids.ts';
import { findRoute } from './command-registry.ts';
import { choicesFor } from './handlers/autocomplete.ts';
import { decisionReply, reasonModal } from './handlers/decide.ts';
import { alreadyMarked, falseAlarmModal, falseAlarmReply } from './handlers/false-alarm.ts';
import { freezeLiftReply } from './handlers/freeze-lift.ts';
import { grantPassReply } from './handlers/grant-pass.ts';
import { freezeGone, letThroughModal, letThroughReply } from './handlers/let-through.ts';
import { decodePage, historyPage } from './handlers/history.ts';
import { statusReply } from './handlers/status.ts';
import type { Reply } from './handlers/reply.ts';
import { errorSummary, failureText } from './replies.ts';
import { userText } from '../discord/text.ts';

const NO_MENTIONS = { parse: [] as [] };
// Showing a modal cannot be deferred, so the late-click lookup before it gets this long before we show it anyway.
const MODAL_LOOKUP_BUDGET_MS = 1500;

type Handler = (actor: Actor) => Promise<Reply>;

/**
 * The one place interactions enter: each is acknowledged first (within Discord's 3 s), authorized by backstop from
 * its own role config, then handed to a handler that calls the same core as the API. Handlers never execute a
 * rollback; the worker does.
 */
export function createDispatcher(deps: CoreDeps) {
  const refuse = async (caller: DiscordCaller, what: string, reason: string) => {
    await recordAudit(deps.db, { actor: `discord:${caller.userId}`, source: 'discord', action: 'discord.refused', subject: what, result: 'refused', reason, severity: 'warning' }).catch(
      (err: unknown) => deps.logger.warn({ err: errorSummary(err) }, 'could not audit a refused interaction'),
    );
  };

  /** Defer, authorize, run, answer: the shape of every command and button that is not a modal. */
  async function respond(
    interaction: ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction,
    what: string,
    needs: readonly Role[],
    handler: Handler,
    mode: 'reply' | 'update' = 'reply',
  ): Promise<void> {
    if (mode === 'update' && interaction.isMessageComponent()) await interaction.deferUpdate();
    else await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const caller = callerOf(interaction);
    const auth = authorize(deps.config, caller, needs);
    let reply: Reply;
    if (!auth.ok) {
      await refuse(caller, what, auth.reason);
      reply = { content: `⛔ ${auth.reason}.` };
      // A refused page turn must not replace the page the person is looking at.
      if (mode === 'update') {
        await interaction.followUp({ ...reply, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
        return;
      }
    } else {
      try {
        reply = await handler(auth.actor);
      } catch (err) {
        reply = { content: failureText(err, deps.logger, { what, user: caller.userId }) };
      }
    }
    await interaction.editReply({ content: reply.content ?? '', embeds: reply.embeds ?? [], components: reply.components ?? [], allowedMentions: NO_MENTIONS });
  }

  async function onCommand(i: ChatInputCommandInteraction): Promise<void> {
    const sub = i.options.getSubcommand(false);
    const what = `/${i.commandName} ${sub ?? ''}`.trim();
    const route = findRoute(i.commandName, sub);
    // Options are read inside the handler, after authorization, so a refused caller gets the refusal and not a complaint about the input.
    if (route) return respond(i, what, route.needs, (actor) => route.run(deps, actor, i.options));
    return respond(i, what, NEEDS.view, async () => ({ content: `⚠️ backstop does not know ${userText(what)}; run \`backstop commands register\` to refresh the commands.` }));
  }

  /**
   * A button that opens a modal: the modal must be the first response, so authorize and look for a late click now,
   * quickly, and answer ephemerally instead of opening a modal that cannot succeed.
   */
  async function openModal(i: ButtonInteraction, what: string, needs: readonly Role[], late: () => Promise<string | null>, modal: ModalBuilder): Promise<void> {
    const caller = callerOf(i);
    const auth = authorize(deps.config, caller, needs);
    if (!auth.ok) {
      await i.reply({ content: `⛔ ${auth.reason}.`, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
      await refuse(caller, what, auth.reason);
      return;
    }
    const tooLate = await Promise.race([late(), new Promise<null>((r) => setTimeout(() => r(null), MODAL_LOOKUP_BUDGET_MS).unref())]).catch(() => null);
    if (tooLate) {
      await i.reply({ content: userText(tooLate), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
      return;
    }
    await i.showModal(modal);
  }

  async function onButton(i: ButtonInteraction): Promise<void> {
    const id = parseCustomId(i.customId);
    if (!id || id.action === 'decide-modal' || id.action === 'let-through-modal' || id.action === 'false-alarm-modal') {
      return respond(i, 'button', NEEDS.view, async () => ({ content: '⚠️ This button is not one of backstop\'s, or it is out of date.' }));
    }
    switch (id.action) {
      case 'history':
        return respond(i, 'history page', NEEDS.view, () => historyPage(deps, decodePage(deps.config, id.page)), 'update');
      case 'details':
        return respond(i, 'details', NEEDS.view, () => statusReply(deps, id.eventId));
      // The card itself is edited by the notifier when the lift or the grant commits, whoever did it and however.
      case 'unfreeze':
        return respond(i, 'unfreeze button', NEEDS.decide, (actor) => freezeLiftReply(deps, actor, { freezeId: id.freezeId, reason: null }));
      case 'grant-pass':
        return respond(i, 'grant button', NEEDS.decide, (actor) => grantPassReply(deps, actor, id.passId));
      case 'let-through':
        return openModal(i, 'let-through button', NEEDS.override, async () => freezeGone(await getFreeze(deps.db, id.freezeId), deps.clock()), letThroughModal(id.freezeId));
      // Marking a false alarm demotes rules that roll back by themselves, so it takes the people who decide rollbacks.
      case 'false-alarm':
        return openModal(i, 'false alarm button', NEEDS.decide, () => alreadyMarked(deps, id.decisionId), falseAlarmModal(id.decisionId));
      case 'approve':
      case 'reject': {
        const late = async () => {
          const e = await getEvent(deps.db, id.eventId);
          return e && e.status !== 'awaiting_approval' ? `This rollback is already ${e.status.replace('_', ' ')}: ${await resolvedBy(deps.db, e)}.` : null;
        };
        return openModal(i, `${id.action} button`, NEEDS.decide, late, reasonModal(id.action, id.eventId));
      }
    }
  }

  async function onModal(i: ModalSubmitInteraction): Promise<void> {
    const id = parseCustomId(i.customId);
    if (id?.action === 'decide-modal') {
      return respond(i, `${id.decision} modal`, NEEDS.decide, async (actor) => {
        // An approver holding the override role approves an override as that role (decideRollback reads the roles).
        const outcome = await decideRollback(deps, { eventId: id.eventId, actor, decision: id.decision, reason: i.fields.getTextInputValue('reason') });
        return decisionReply(outcome, id.decision);
      });
    }
    if (id?.action === 'false-alarm-modal') {
      return respond(i, 'false alarm modal', NEEDS.decide, (actor) => falseAlarmReply(deps, actor, { decisionId: id.decisionId, reason: i.fields.getTextInputValue('reason') }));
    }
    if (id?.action === 'let-through-modal') {
      return respond(i, 'let-through modal', NEEDS.override, (actor) =>
        letThroughReply(deps, actor, { freezeId: id.freezeId, version: i.fields.getTextInputValue('version'), reason: i.fields.getTextInputValue('reason') }),
      );
    }
    return respond(i, 'modal', NEEDS.view, async () => ({ content: '⚠️ This form is not one of backstop\'s.' }));
  }

  async function onAutocomplete(i: AutocompleteInteraction): Promise<void> {
    // Autocomplete cannot be deferred: answer within 3 s, empty when the caller may not see what it would suggest.
    // The environment suggestions follow the service already chosen in the same command.
    const auth = authorize(deps.config, callerOf(i), NEEDS.view);
    const focused = i.options.getFocused(true);
    const chosen = { service: i.options.getString('service') };
    const choices = auth.ok ? await choicesFor(deps, focused.name, String(focused.value), chosen).catch(() => []) : [];
    await i.respond(choices);
  }

  return async function dispatch(interaction: Interaction): Promise<void> {
    try {
      if (interaction.isChatInputCommand()) await onCommand(interaction);
      else if (interaction.isAutocomplete()) await onAutocomplete(interaction);
      else if (interaction.isButton()) await onButton(interaction);
      else if (interaction.isModalSubmit()) await onModal(interaction);
    } catch (err) {
      // Discord itself failed us (token expired, unreachable): nothing more can be said to the person.
      deps.logger.error({ err: errorSummary(err), interactionId: interaction.id, type: interaction.type }, 'could not answer a Discord interaction');
    }
  };
}
