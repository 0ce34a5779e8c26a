// The sandbox page: the #deploys channel drawn with @skyra/discord-components-core, kept live over server-sent
// events, and everything a person can do there (pick who they are, type a command, click a button, fill in a modal,
// play the scripted incident) sent to the sandbox server, which does it through the Discord emulator.
import '@skyra/discord-components-core';
import { createComposer } from './composer.ts';
import { element, relative } from './markdown.ts';
import { showModal } from './modal.ts';
import { renderMessage, type RenderContext } from './render-message.ts';
import type { ActionResult, Narration, PageMessage, PagePerson, Snapshot } from '../contract.ts';

const EPHEMERAL = 64;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let state: Snapshot | undefined;
const messages = new Map<string, PageMessage>();
const dismissed = new Set<string>();
let me = 'alice';

const person = () => state?.people.find((p) => p.key === me);
const personByUser = (userId: string) => state?.people.find((p) => p.user_id === userId);

function avatar(userId: string): string {
  const p = personByUser(userId);
  const [letter, color] = p ? [p.username[0]!.toUpperCase(), p.color] : ['B', '#4f545c'];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="80"><rect width="80" height="80" fill="${color}"/><text x="40" y="54" font-family="Arial,sans-serif" font-size="38" font-weight="700" fill="#fff" text-anchor="middle">${letter}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

async function post(path: string, body: unknown): Promise<ActionResult> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  if (res.ok) return json as ActionResult;
  return { ok: false, error: json?.error?.message ?? `the sandbox answered ${res.status}` };
}

function clientError(text: string) {
  $('client-error').textContent = text;
}

const renderContext: RenderContext = {
  botName: 'backstop',
  avatarOf: avatar,
  personOf: personByUser,
  userName: (id) => personByUser(id)?.username ?? (id === state?.bot.id ? 'backstop' : undefined),
  roleName: (id) => state?.role_names[id],
  channelName: (id) => (id === state?.channel.id ? state.channel.name : undefined),
  localMessageAnchor(url) {
    const m = /^https:\/\/discord\.com\/channels\/(\d+)\/(\d+)\/(\d+)$/.exec(url);
    return m && m[1] === state?.guild_id && m[2] === state?.channel.id ? `#message-${m[3]}` : undefined;
  },
  now: () => Date.now(),
  onDismiss(message) {
    dismissed.add(message.id);
    renderChannel();
  },
  async onButton(message, customId) {
    clientError('');
    const result = await post('/sandbox/api/click', { as: me, message_id: message.id, custom_id: customId });
    if (!result.ok) return clientError(result.error);
    if (!result.modal) return;
    const values = await showModal(result.modal, { botName: 'backstop', avatar: avatar(state!.bot.id) });
    if (!values) return;
    const submitted = await post('/sandbox/api/modal', { as: me, custom_id: result.modal.custom_id, message_id: result.modal.message_id, fields: values });
    if (!submitted.ok) clientError(submitted.error);
  },
};

/** Who sees what: an ephemeral reply only for the person who ran the interaction, as in Discord. */
function visible(m: PageMessage): boolean {
  return !(m.flags & EPHEMERAL) || (m.interaction?.user_id === person()?.user_id && !dismissed.has(m.id));
}

function renderChannel() {
  const scroll = $('scroll');
  const atBottom = scroll.scrollHeight - scroll.scrollTop - scroll.clientHeight < 80;
  const list = $('messages');
  const shown = [...messages.values()].filter(visible);
  list.replaceChildren(...shown.map((m) => renderMessage(m, renderContext)));
  $('empty').hidden = shown.length > 0;
  if (atBottom) requestAnimationFrame(() => (scroll.scrollTop = scroll.scrollHeight));
}

function renderPeople() {
  const holder = $('people');
  holder.replaceChildren(
    ...(state?.people ?? []).map((p: PagePerson) => {
      const label = element('label', { class: `person${p.key === me ? ' selected' : ''}`, 'data-person': p.key });
      const radio = element('input', { type: 'radio', name: 'person', value: p.key, ...(p.key === me ? { checked: '' } : {}) });
      radio.addEventListener('change', () => {
        me = p.key;
        $('who').textContent = `as ${p.username}`;
        renderPeople();
        renderChannel();
      });
      const dot = element('span', { class: 'avatar' }, [document.createTextNode(p.username[0]!.toUpperCase())]);
      dot.style.background = p.color;
      const text = element('span', {}, [element('div', { class: 'name' }, [document.createTextNode(p.username)]), element('div', { class: 'title' }, [document.createTextNode(p.title)])]);
      label.append(radio, dot, text);
      return label;
    }),
  );
}

function renderStory() {
  $('story').replaceChildren(
    ...(state?.narration ?? []).map((n: Narration) =>
      element('li', { class: n.kind }, [element('time', { datetime: n.at }, [document.createTextNode(relative(Date.parse(n.at) - Date.now()))]), document.createTextNode(n.text)]),
    ),
  );
}

function renderPlaying() {
  const button = $<HTMLButtonElement>('play');
  button.disabled = Boolean(state?.playing);
  button.textContent = state?.playing ? 'Playing…' : '▶ Play the incident';
}

function setLive(on: boolean) {
  $('live-dot').classList.toggle('on', on);
  $('live-text').textContent = on ? 'live' : 'reconnecting…';
}

function connect() {
  const events = new EventSource('/sandbox/api/events');
  events.addEventListener('open', () => setLive(true));
  events.addEventListener('error', () => setLive(false));
  events.addEventListener('snapshot', (e) => {
    state = JSON.parse((e as MessageEvent).data) as Snapshot;
    messages.clear();
    for (const m of state.messages) messages.set(m.id, m);
    composer.setCommands(state.commands);
    $('violations').textContent = `Discord schema violations: ${state.violations}`;
    renderPeople();
    renderChannel();
    renderStory();
    renderPlaying();
  });
  events.addEventListener('message', (e) => {
    const { message, deleted, violations } = JSON.parse((e as MessageEvent).data) as { message: PageMessage; deleted: boolean; violations: number };
    if (deleted) messages.delete(message.id);
    else messages.set(message.id, message);
    $('violations').textContent = `Discord schema violations: ${violations}`;
    renderChannel();
  });
  events.addEventListener('narration', (e) => {
    state?.narration.push(JSON.parse((e as MessageEvent).data) as Narration);
    renderStory();
  });
  events.addEventListener('scenario', (e) => {
    if (state) state.playing = (JSON.parse((e as MessageEvent).data) as { playing: boolean }).playing;
    renderPlaying();
  });
}

const composer = createComposer({
  input: $<HTMLInputElement>('command'),
  form: $<HTMLFormElement>('command-form'),
  suggestions: $('suggestions'),
  send: (text) => post('/sandbox/api/command', { as: me, text }),
  suggest: (text) => post('/sandbox/api/autocomplete', { as: me, text }),
  error: clientError,
});

$('play').addEventListener('click', async () => {
  clientError('');
  const res = await fetch('/sandbox/api/scenario', { method: 'POST' });
  if (!res.ok) clientError(((await res.json().catch(() => null)) as any)?.error?.message ?? `could not start the incident (${res.status})`);
});

// Relative times ("in 14 minutes") go stale; Discord's client redraws them too.
setInterval(() => {
  renderStory();
  for (const span of document.querySelectorAll<HTMLElement>('.discord-timestamp[data-unix]')) {
    if (span.textContent?.startsWith('in ') || span.textContent?.endsWith(' ago')) span.textContent = relative(Number(span.dataset.unix) * 1000 - Date.now());
  }
}, 15_000);

connect();
