// Discord's message markdown, as much of it as backstop writes (bold, italics, code, escapes, timestamps, mentions),
// turned into the rendering library's elements. Text is always inserted as text nodes, never as HTML: whatever a
// user typed into a reason stays inert on this page, as backstop keeps it inert in Discord.

export interface MarkdownContext {
  userName(id: string): string | undefined;
  roleName(id: string): string | undefined;
  now(): number;
}

const TOKEN =
  /(\\[\\*_`~|<>#[\]()\-.!:@])|(```(?:[a-z]*\n)?[\s\S]*?```)|(`[^`\n]+`)|(\*\*[\s\S]+?\*\*)|(\*[^*\n]+\*)|(<t:(-?\d+)(?::([tTdDfFR]))?>)|(<@!?(\d+)>)|(<@&(\d+)>)|(<#(\d+)>)|(\n)/g;

export function renderMarkdown(text: string, ctx: MarkdownContext): Node[] {
  const out: Node[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const at = m.index!;
    if (at > last) out.push(document.createTextNode(text.slice(last, at)));
    last = at + m[0].length;
    if (m[1]) out.push(document.createTextNode(m[1].slice(1)));
    else if (m[2]) out.push(element('discord-code', { multiline: '' }, [document.createTextNode(m[2].replace(/^```(?:[a-z]*\n)?/, '').replace(/```$/, ''))]));
    else if (m[3]) out.push(element('discord-code', {}, [document.createTextNode(m[3].slice(1, -1))]));
    else if (m[4]) out.push(element('discord-bold', {}, renderMarkdown(m[4].slice(2, -2), ctx)));
    else if (m[5]) out.push(element('discord-italic', {}, renderMarkdown(m[5].slice(1, -1), ctx)));
    else if (m[6]) out.push(timestamp(Number(m[7]), m[8] ?? 'f', ctx.now()));
    else if (m[9]) out.push(element('discord-mention', { type: 'user' }, [document.createTextNode(ctx.userName(m[10]!) ?? 'unknown-user')]));
    else if (m[11]) out.push(element('discord-mention', { type: 'role' }, [document.createTextNode(ctx.roleName(m[12]!) ?? 'deleted-role')]));
    else if (m[13]) out.push(element('discord-mention', { type: 'channel' }, [document.createTextNode('deploys')]));
    else if (m[14]) out.push(document.createElement('br'));
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
