import { element, messageTime, renderMarkdown, type MarkdownContext } from './markdown.ts';
import type { PageMessage, PagePerson } from '../contract.ts';

const EPHEMERAL = 64;
const LOADING = 128;
const BUTTON_TYPES: Record<number, string> = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'destructive', 5: 'secondary' };

export interface RenderContext extends MarkdownContext {
  botName: string;
  avatarOf(userId: string): string;
  personOf(userId: string): PagePerson | undefined;
  onButton(message: PageMessage, customId: string): void;
  /** "Dismiss message" under an ephemeral reply: Discord hides it for that person only, and so does the page. */
  onDismiss(message: PageMessage): void;
}

/** One channel message as Discord draws it: author, the command it answers, content, embeds and buttons. */
export function renderMessage(m: PageMessage, ctx: RenderContext): HTMLElement {
  const msg = element('discord-message', {
    author: ctx.botName,
    avatar: ctx.avatarOf(m.author_id),
    bot: '',
    verified: '',
    timestamp: messageTime(m.created_at, ctx.now()),
    id: `message-${m.id}`,
    'data-message-id': m.id,
    ...(m.edits > 0 ? { edited: '' } : {}),
    ...(m.flags & EPHEMERAL ? { ephemeral: '' } : {}),
  });
  // Discord heads a command's reply with "alice used /rollback"; replies to clicks carry no such line.
  if (m.interaction?.name) {
    const who = ctx.personOf(m.interaction.user_id);
    msg.append(
      element('discord-command', {
        slot: 'reply',
        author: who?.username ?? 'someone',
        avatar: ctx.avatarOf(m.interaction.user_id),
        command: `/${m.interaction.name}`,
      }),
    );
  }
  if (m.flags & EPHEMERAL) (msg as HTMLElement & { dismissMessageClicked?: () => void }).dismissMessageClicked = () => ctx.onDismiss(m);
  if (m.flags & LOADING) msg.append(element('em', {}, [document.createTextNode(`${ctx.botName} is thinking…`)]));
  else if (m.content) msg.append(...renderMarkdown(m.content, ctx));
  for (const embed of m.embeds) msg.append(renderEmbed(embed, ctx));
  const rows = m.components.filter((row: any) => row.type === 1);
  if (rows.length > 0) {
    const holder = element('discord-attachments', { slot: 'components' });
    for (const row of rows) {
      const actionRow = element('discord-action-row');
      for (const c of row.components ?? []) {
        if (c.type !== 2) continue;
        const button = element('discord-button', { type: BUTTON_TYPES[c.style] ?? 'secondary', ...(c.disabled ? { disabled: '' } : {}), 'data-custom-id': c.custom_id, ...(c.url ? { url: c.url } : {}) }, [
          document.createTextNode(`${c.emoji?.name ? `${c.emoji.name} ` : ''}${c.label ?? ''}`),
        ]);
        if (!c.disabled && c.custom_id) button.addEventListener('click', () => ctx.onButton(m, c.custom_id));
        actionRow.append(button);
      }
      holder.append(actionRow);
    }
    msg.append(holder);
  }
  return msg;
}

function renderEmbed(embed: any, ctx: RenderContext): HTMLElement {
  const el = element('discord-embed', {
    slot: 'embeds',
    ...(embed.color !== undefined ? { color: `#${Number(embed.color).toString(16).padStart(6, '0')}` } : {}),
    ...(embed.title ? { 'embed-title': embed.title } : {}),
    ...(embed.author?.name ? { 'author-name': embed.author.name } : {}),
    ...(embed.url ? { url: embed.url } : {}),
  });
  if (embed.description) el.append(element('discord-embed-description', { slot: 'description' }, renderMarkdown(embed.description, ctx)));
  if (embed.fields?.length) {
    const fields = element('discord-embed-fields', { slot: 'fields' });
    let inlineIndex = 0;
    for (const f of embed.fields) {
      inlineIndex = f.inline ? (inlineIndex % 3) + 1 : 0;
      fields.append(element('discord-embed-field', { 'field-title': f.name, ...(f.inline ? { inline: '', 'inline-index': String(inlineIndex) } : {}) }, renderMarkdown(f.value, ctx)));
    }
    el.append(fields);
  }
  if (embed.footer?.text || embed.timestamp) {
    el.append(element('discord-embed-footer', { slot: 'footer', ...(embed.timestamp ? { timestamp: messageTime(embed.timestamp, ctx.now()) } : {}) }, [document.createTextNode(embed.footer?.text ?? '')]));
  }
  return el;
}
