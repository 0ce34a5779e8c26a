// Turns what a person types in the sandbox's message box ("/approve rollback deployment_id:… reason:…") into the
// options Discord's client would send, using the commands backstop registered. Discord's client refuses to send a
// command it cannot fill in (unknown command, unknown option, a number that is not one); so does this, with the
// reason, before anything reaches backstop. Everything else is backstop's to judge.

const SUB_COMMAND = 1;
const SUB_COMMAND_GROUP = 2;
const STRING = 3;
const INTEGER = 4;
const BOOLEAN = 5;
const NUMBER = 10;

export interface CommandDef {
  name: string;
  options?: OptionDef[];
}

interface OptionDef {
  type: number;
  name: string;
  required?: boolean;
  autocomplete?: boolean;
  options?: OptionDef[];
}

export interface TypedOption {
  type: number;
  name: string;
  value?: string | number | boolean;
  focused?: boolean;
  options?: TypedOption[];
}

export type ParsedCommand =
  | { ok: true; name: string; options: TypedOption[]; /** the autocompleted option, when `autocomplete` was asked */ focused?: string }
  | { ok: false; error: string };

const fail = (error: string): ParsedCommand => ({ ok: false, error });

/**
 * `autocomplete: true` parses text still being typed: the last option is the focused one (its value may be empty),
 * and required options may be missing, as when Discord's client asks for suggestions.
 */
export function parseCommand(text: string, commands: CommandDef[], opts: { autocomplete?: boolean } = {}): ParsedCommand {
  const trimmed = text.replace(/^\s+/, '');
  if (!trimmed.startsWith('/')) return fail('Commands start with "/": try /rollback history or /approve rollback');
  const words = trimmed.slice(1).split(/\s+/);
  const name = words[0] ?? '';
  const command = commands.find((c) => c.name === name);
  if (!command) return fail(`/${name} is not a command here. Commands: ${commands.map((c) => `/${c.name}`).join(', ')}`);

  let defs = command.options ?? [];
  let rest = trimmed.slice(1 + name.length);
  const path: string[] = [];
  // Walk down subcommand groups and subcommands by name, as Discord's picker does.
  while (defs.some((d) => d.type === SUB_COMMAND || d.type === SUB_COMMAND_GROUP)) {
    const m = /^\s*(\S+)/.exec(rest);
    const sub = defs.find((d) => (d.type === SUB_COMMAND || d.type === SUB_COMMAND_GROUP) && d.name === m?.[1]);
    const choices = defs.map((d) => d.name).join(', ');
    if (!sub) return fail(m ? `/${[name, ...path].join(' ')} has no subcommand "${m[1]}" (choose ${choices})` : `/${[name, ...path].join(' ')} needs a subcommand: ${choices}`);
    path.push(sub.name);
    rest = rest.slice(m![0].length);
    defs = sub.options ?? [];
  }

  const parsed = parseOptions(rest, defs, `/${[name, ...path].join(' ')}`, Boolean(opts.autocomplete));
  if (!parsed.ok) return parsed;
  let options: TypedOption[] = parsed.options;
  for (const sub of [...path].reverse()) {
    const type = path.indexOf(sub) === path.length - 1 ? SUB_COMMAND : SUB_COMMAND_GROUP;
    options = [{ type, name: sub, options }];
  }
  return { ok: true, name, options, ...(parsed.focused ? { focused: parsed.focused } : {}) };
}

function parseOptions(
  text: string,
  defs: OptionDef[],
  where: string,
  autocomplete: boolean,
): { ok: true; options: TypedOption[]; focused?: string } | { ok: false; error: string } {
  const names = defs.map((d) => d.name);
  // An option starts at "name:" after whitespace, for one of this command's own option names only, so a reason
  // that contains "see: the dashboard" stays one value.
  const starts = [...text.matchAll(/(?:^|\s)([a-z_][a-z0-9_-]*):/g)].filter((m) => names.includes(m[1]!));
  const before = (starts[0] ? text.slice(0, starts[0].index) : text).trim();
  if (before !== '') {
    const word = /^(\S+?)(:|\s|$)/.exec(before)?.[1] ?? before;
    return { ok: false, error: `${where} has no option "${word}" (options: ${names.join(', ') || 'none'})` };
  }
  const options: TypedOption[] = [];
  for (const [i, m] of starts.entries()) {
    const def = defs.find((d) => d.name === m[1])!;
    const from = m.index! + m[0].length;
    const to = starts[i + 1]?.index ?? text.length;
    const raw = text.slice(from, to).trim();
    const last = i === starts.length - 1;
    if (options.some((o) => o.name === def.name)) return { ok: false, error: `${where}: ${def.name} is given twice` };
    if (autocomplete && last && def.autocomplete) {
      options.push({ type: def.type, name: def.name, value: raw, focused: true });
      return { ok: true, options, focused: def.name };
    }
    if (raw === '') return { ok: false, error: `${where}: ${def.name} is empty` };
    const value = convert(def, raw);
    if (value === undefined) return { ok: false, error: `${where}: ${def.name} must be ${expected(def.type)}, not "${raw.slice(0, 40)}"` };
    options.push({ type: def.type, name: def.name, value });
  }
  if (autocomplete) return { ok: true, options };
  const missing = defs.filter((d) => d.required && !options.some((o) => o.name === d.name)).map((d) => `${d.name}:`);
  if (missing.length > 0) return { ok: false, error: `${where} needs ${missing.join(' and ')}` };
  return { ok: true, options };
}

function convert(def: OptionDef, raw: string): string | number | boolean | undefined {
  switch (def.type) {
    case STRING:
      return raw;
    case INTEGER:
      return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
    case NUMBER:
      return raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : undefined;
    case BOOLEAN:
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    default:
      return undefined;
  }
}

function expected(type: number): string {
  return type === INTEGER ? 'a whole number' : type === NUMBER ? 'a number' : type === BOOLEAN ? 'true or false' : 'text';
}
