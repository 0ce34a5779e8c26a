import { ActionRowBuilder, ModalBuilder, TextInputBuilder, TextInputStyle } from 'discord.js';
import { REASON_MAX, VERSION_MAX } from '../../../commands/limits.ts';
import type { Actor, CoreDeps } from '../../core/deps.ts';
import { getFreeze } from '../../db/queries/freezes.ts';
import type { FreezeRow } from '../../db/schema/index.ts';
import { AppError } from '../../errors/app-error.ts';
import { requestPass } from '../../freeze/deploy-pass.ts';
import { customId } from '../../discord/custom-ids.ts';
import { codeText, userText } from '../../discord/text.ts';
import { freezeCardState } from '../../notify/discord/cards/freeze-card.ts';
import type { Reply } from './reply.ts';

/** The freeze card's "Let one deploy through" asks for the version and the reason in this modal. */
export function letThroughModal(freezeId: string): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId.letThroughModal(freezeId))
    .setTitle('Let one deploy through the freeze')
    .addComponents(
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder().setCustomId('version').setLabel('Version to let through').setStyle(TextInputStyle.Short).setRequired(true).setMinLength(1).setMaxLength(VERSION_MAX),
      ),
      new ActionRowBuilder<TextInputBuilder>().addComponents(
        new TextInputBuilder().setCustomId('reason').setLabel('Reason (recorded in the audit log)').setStyle(TextInputStyle.Paragraph).setRequired(true).setMinLength(1).setMaxLength(REASON_MAX),
      ),
    );
}

/** Why a click on a freeze card can no longer help, or null while the freeze holds deploys back. Plain text: the
 * dispatcher makes it inert. */
export function freezeGone(freeze: FreezeRow | null, now: Date): string | null {
  if (!freeze) return 'This freeze no longer exists.';
  const state = freezeCardState(freeze, now);
  if (state === 'lifted') return `This freeze was lifted already by ${freeze.liftedBy ?? 'someone'}.`;
  if (state === 'ended') return 'This freeze has ended by itself; it no longer holds deploys back.';
  return null;
}

// The gate and the API take a version of 1–100 characters with no surrounding blanks; PostgreSQL cannot store NUL.
function requireVersion(raw: string): string {
  const version = raw.trim();
  if (version.length === 0 || version.length > VERSION_MAX || version.includes('\u0000')) {
    throw new AppError('VALIDATION_FAILED', `version: expected 1–${VERSION_MAX} characters, such as v2.5.4`);
  }
  return version;
}

/**
 * The modal's submission: asks, for the freeze's service and environment, to let one version through every freeze.
 * It needs the override role (requestPass checks it too); the message with the Grant button goes to the channel.
 */
export async function letThroughReply(deps: CoreDeps, actor: Actor, input: { freezeId: string; version: string; reason: string }): Promise<Reply> {
  const freeze = await getFreeze(deps.db, input.freezeId);
  if (!freeze) throw new AppError('NOT_FOUND', `no freeze ${input.freezeId}`);
  const pass = await requestPass(deps, actor, { service: freeze.service, environment: freeze.environment, version: requireVersion(input.version), reason: input.reason });
  const channel = deps.config.raw.discord?.channel_id;
  return {
    content:
      `🎫 Asked to let \`${codeText(pass.version)}\` of **${userText(pass.service)}** through to **${userText(pass.environment)}** once. ` +
      `A second person (an approver other than you) must click **Grant**${channel ? ` on the message in <#${channel}>` : ''}. Pass \`${pass.passId}\`.`,
  };
}
