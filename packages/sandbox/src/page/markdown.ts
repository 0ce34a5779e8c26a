// Discord's message markdown, as much of it as backstop writes (bold, italics, code, escapes, timestamps, mentions),
// turned into the rendering library's elements. Text is always inserted as text nodes, never as HTML: whatever a
// user typed into a reason stays inert on this page, as backstop keeps it inert in Discord.

export interface MarkdownContext {
  userName(id: string): string | undefined;
  roleName(id: string): string | undefined;
  channelName(id: string): string | undefined;
  /** A link to a message in this channel (discord.com/channels/…) points at the message on this page instead. */
  localMessageAnchor(url: string): string | undefined;
  now(): number;
}

function link(text: string, url: string, ctx: MarkdownContext): HTMLElement {
  const local = ctx.localMessageAnchor(url);
  return element('discord-link', { href: local ?? url, ...(local ? {} : { target: '_blank', rel: 'noopener noreferrer' }) }, [document.createTextNode(text)]);
}

/** How Discord labels a message's time: "Today at 6:59 PM", or the date for older ones. */
export function messageTime(iso: string, now: number): string {
  const date = new Date(iso);
  const time = date.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' });
  const days = Math.floor(now / 86_400_000) - Math.floor(date.getTime() / 86_400_000);
  return days === 0 ? `Today at ${time}` : days === 1 ? `Yesterday at ${time}` : `${date.toLocaleDateString('en-US')} ${time}`;
}

const TOKEN =
  /(\\[\\*_`~|<>#[\]()\-.!:@])|(```(?:[a-z]*\n)?[\s\S]*?```)|(`[^`\n]+`)|(\*\*[\s\S]+?\*\*)|(\*[^*\n]+\*)|(<t:(-?\d+)(?::([tTdDfFR]))?>)|(<@!?(\d+)>)|(<@&(\d+)>)|(<#(\d+)>)|(\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\))|(\n)/g;

/** Block quotes ("> " at the start of lines) around the inline markdown of each block. */
export function renderMarkdown(text: string, ctx: MarkdownContext): Node[] {
  const out: Node[] = [];
  const blocks: Array<{ quote: boolean; lines: string[] }> = [];
  for (const line of text.split('\n')) {
    const quote = line.startsWith('> ');
    const last = blocks.at(-1);
    if (last && last.quote === quote) last.lines.push(quote ? line.slice(2) : line);
    else blocks.push({ quote, lines: [quote ? line.slice(2) : line] });
  }
  // A quote is a block of its own, so the line breaks around it belong to it.
  for (const block of blocks) {
    const inline = renderInline(block.lines.join('\n'), ctx);
    if (block.quote) out.push(element('discord-quote', {}, inline));
    else out.push(...inline);
  }
  return out;
}

function renderInline(text: string, ctx: MarkdownContext): Node[] {
  const out: Node[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const at = m.index!;
    if (at > last) out.push(document.createTextNode(text.slice(last, at)));
    last = at + m[0].length;
    if (m[1]) out.push(document.createTextNode(m[1].slice(1)));
    else if (m[2]) out.push(element('discord-code', { multiline: '' }, [document.createTextNode(m[2].replace(/^```(?:[a-z]*\n)?/, '').replace(/```$/, ''))]));
    else if (m[3]) out.push(element('discord-code', {}, [document.createTextNode(m[3].slice(1, -1))]));
    else if (m[4]) out.push(element('discord-bold', {}, renderInline(m[4].slice(2, -2), ctx)));
    else if (m[5]) out.push(element('discord-italic', {}, renderInline(m[5].slice(1, -1), ctx)));
    else if (m[6]) out.push(timestamp(Number(m[7]), m[8] ?? 'f', ctx.now()));
    else if (m[9]) out.push(element('discord-mention', { type: 'user' }, [document.createTextNode(ctx.userName(m[10]!) ?? 'unknown-user')]));
    else if (m[11]) out.push(element('discord-mention', { type: 'role' }, [document.createTextNode(ctx.roleName(m[12]!) ?? 'deleted-role')]));
    else if (m[13]) out.push(element('discord-mention', { type: 'channel' }, [document.createTextNode(ctx.channelName(m[14]!) ?? 'unknown')]));
    else if (m[15]) out.push(link(m[16]!, m[17]!, ctx));
    else if (m[18]) out.push(document.createElement('br'));
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

export function element(tag: string, attrs: Record<string, string | undefined> = {}, children: Node[] = []): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** `<t:unix:style>` the way Discord shows it to the reader; the exact time is in the tooltip. */
function timestamp(seconds: number, style: string, now: number): HTMLElement {
  const date = new Date(seconds * 1000);
  const span = element('span', { class: 'discord-timestamp', title: date.toLocaleString(), 'data-unix': String(seconds) });
  span.style.background = 'rgba(255,255,255,.06)';
  span.style.borderRadius = '3px';
  span.style.padding = '0 2px';
  span.textContent = style === 'R' ? relative(seconds * 1000 - now) : formatted(date, style);
  return span;
}

export function relative(deltaMs: number): string {
  const abs = Math.abs(deltaMs);
  const [n, unit] =
    abs < 45_000 ? [Math.round(abs / 1000), 'second'] : abs < 45 * 60_000 ? [Math.round(abs / 60_000), 'minute'] : abs < 22 * 3_600_000 ? [Math.round(abs / 3_600_000), 'hour'] : [Math.round(abs / 86_400_000), 'day'];
  const phrase = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return deltaMs >= 0 ? `in ${phrase}` : `${phrase} ago`;
}

function formatted(date: Date, style: string): string {
  switch (style) {
    case 't':
      return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    case 'T':
      return date.toLocaleTimeString();
    case 'd':
      return date.toLocaleDateString();
    case 'D':
      return date.toLocaleDateString([], { dateStyle: 'long' });
    case 'F':
      return date.toLocaleString([], { dateStyle: 'full', timeStyle: 'short' });
    default:
      return date.toLocaleString([], { dateStyle: 'long', timeStyle: 'short' });
  }
}
