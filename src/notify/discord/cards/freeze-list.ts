import type { APIEmbed, APIEmbedField } from 'discord.js';
import { freezeLine } from '../../../freeze/gate-words.ts';
import type { FrozenPair } from '../../../freeze/list-freezes.ts';
import { fitEmbeds, fitLines, LIMITS, type FitLine } from '../../../discord/limits.ts';
import { truncate, userText } from '../../../discord/text.ts';
import { COLOR } from './colors.ts';

/**
 * The `/freeze list` embed: a field per frozen service and environment, a line per freeze in the gate's own words,
 * led by the id a freeze set by hand is lifted with. Each pair gets an equal share of the 6000 characters, so one
 * long reason cannot push the others off; past 25 pairs, the last field says how many are not shown.
 */
export function freezeListEmbed(pairs: FrozenPair[], filters: string): APIEmbed {
  const title = 'Frozen now';
  const footer = filters ? `only ${filters}` : 'every configured service and environment';
  if (pairs.length === 0) {
    return { title, description: 'Nothing is frozen: the gate lets every deploy through.', color: COLOR.success, footer: { text: footer } };
  }
  const shown = pairs.length > LIMITS.fields ? pairs.slice(0, LIMITS.fields - 1) : pairs;
  const names = shown.map((p) => truncate(`🧊 ${userText(p.service)} · ${userText(p.environment)}`, LIMITS.fieldName));
  const more = pairs.length - shown.length;
  const moreField: APIEmbedField[] = more ? [{ name: '…', value: `and ${more} more; narrow it with service or environment` }] : [];
  const room = LIMITS.total - title.length - footer.length - names.reduce((n, name) => n + name.length, 0) - moreField.reduce((n, f) => n + f.name.length + f.value.length, 0);
  const share = Math.min(LIMITS.fieldValue, Math.floor(room / shown.length));
  const fields = shown.map((p, i) => {
    const lines: FitLine[] = p.freezes.map((f) => ({ fixed: f.kind === 'manual' ? `• \`${f.id}\` ` : '• ', text: userText(freezeLine(f)) }));
    return { name: names[i]!, value: fitLines(lines, share) };
  });
  return fitEmbeds([{ title, color: COLOR.running, fields: [...fields, ...moreField], footer: { text: footer } }])[0]!;
}
