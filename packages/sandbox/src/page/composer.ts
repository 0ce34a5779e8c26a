import { element } from './markdown.ts';
import type { ActionResult } from '../contract.ts';

const SUB_COMMAND = 1;

export interface Composer {
  setCommands(commands: any[]): void;
}

/**
 * The message box: sends a typed slash command, lists the commands while "/" is being typed (as Discord's picker
 * does), and asks backstop for suggestions while an autocompleted option (deployment_id) is being filled in.
 */
export function createComposer(deps: {
  input: HTMLInputElement;
  form: HTMLFormElement;
  suggestions: HTMLElement;
  send(text: string): Promise<ActionResult>;
  suggest(text: string): Promise<ActionResult>;
  error(text: string): void;
}): Composer {
  const { input, suggestions } = deps;
  let usages: Array<{ path: string; label: string; fill: string }> = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;

  function show(items: Array<{ label: string; fill: string }>, hint?: string) {
    suggestions.replaceChildren(
      ...(hint ? [element('div', { class: 'hint' }, [document.createTextNode(hint)])] : []),
      ...items.map((item) => {
        const button = element('button', { type: 'button', 'data-fill': item.fill }, [document.createTextNode(item.label)]);
        // mousedown, not click: it comes before the input's blur, which would take the list away.
        button.addEventListener('mousedown', (e) => {
          e.preventDefault();
          input.value = item.fill;
          dismiss();
          input.focus();
          update();
        });
        return button;
      }),
    );
    suggestions.hidden = items.length === 0;
  }

  function update() {
    const text = input.value;
    clearTimeout(timer);
    if (!text.startsWith('/')) return show([]);
    // Until a whole command and subcommand are typed, list the commands that start that way.
    const picking = usages.filter((u) => u.label.startsWith(text.trimStart()) && !text.startsWith(u.fill.trimEnd()));
    if (picking.length > 0 && !usages.some((u) => text.startsWith(u.path))) return show(picking, 'Commands');
    timer = setTimeout(async () => {
      const mine = ++asked;
      const result = await deps.suggest(text);
      // A later keystroke's answer wins; parse errors while typing are not worth a red line.
      if (mine !== asked || !result.ok) return show([]);
      const choices = result.choices ?? [];
      const prefix = text.replace(/[^:\s]*$/, '');
      show(choices.map((c) => ({ label: c.name, fill: `${prefix}${c.value} ` })), choices.length ? 'Suggestions from backstop' : undefined);
    }, 150);
  }

  // Typing again, sending, or leaving the box makes any answer still on its way stale.
  const dismiss = () => {
    clearTimeout(timer);
    asked++;
    suggestions.hidden = true;
  };
  input.addEventListener('input', update);
  // Delayed so that a click on a suggestion lands before the list goes away.
  input.addEventListener('blur', () => setTimeout(() => document.activeElement !== input && dismiss(), 200));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') dismiss();
  });
  deps.form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    deps.error('');
    dismiss();
    const result = await deps.send(text);
    if (result.ok) input.value = '';
    else deps.error(result.error);
  });

  return {
    setCommands(commands) {
      // "/rollback check deployment_id:" — picking one fills in the path and the first required option's name.
      usages = commands.flatMap((c: any) => {
        const subs = (c.options ?? []).filter((o: any) => o.type === SUB_COMMAND);
        const usage = (path: string, options: any[]) => {
          const required = options.filter((o) => o.required).map((o) => `${o.name}:`);
          return { path: `${path} `, label: [path, ...required].join(' '), fill: required[0] ? `${path} ${required[0]}` : `${path} ` };
        };
        return subs.length ? subs.map((s: any) => usage(`/${c.name} ${s.name}`, s.options ?? [])) : [usage(`/${c.name}`, c.options ?? [])];
      });
    },
  };
}
