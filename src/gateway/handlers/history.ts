import { ButtonStyle, ComponentType } from 'discord.js';
import { HISTORY_LIMIT_MAX } from '../../../commands/limits.ts';
import type { Config } from '../../config/load.ts';
import { findHistory, findVotesForEvents, type RollbackStatus } from '../../db/queries/rollback-events.ts';
import { rollbackStatus } from '../../db/schema/index.ts';
import { AppError } from '../../errors/app-error.ts';
import type { CoreDeps } from '../../core/deps.ts';
import { historyEmbed } from '../../notify/discord/cards/history-page.ts';
import { customId } from '../../discord/custom-ids.ts';
import type { Reply } from './reply.ts';

export interface HistoryQuery {
  service?: string;
  environment?: string;
  status?: RollbackStatus;
  limit: number;
  offset: number;
}

const DEFAULT_LIMIT = 5;
const MAX_OFFSET = 10_000;

/** Checks the options against the policy file, so a typo gets "unknown service" rather than an empty page. */
export function historyQuery(config: Config, raw: { service?: string | null; environment?: string | null; status?: string | null; limit?: number | null }): HistoryQuery {
  const q: HistoryQuery = { limit: raw.limit ?? DEFAULT_LIMIT, offset: 0 };
  if (raw.service) {
    if (!config.raw.services[raw.service]) throw new AppError('UNKNOWN_SERVICE', `service: "${raw.service}" is not in the policy file`);
    q.service = raw.service;
  }
  if (raw.environment) {
    if (!config.raw.environments[raw.environment]) throw new AppError('UNKNOWN_SERVICE', `environment: "${raw.environment}" is not in the policy file`);
    q.environment = raw.environment;
  }
  if (raw.status) {
    if (!(rollbackStatus.enumValues as readonly string[]).includes(raw.status)) throw new AppError('VALIDATION_FAILED', `status: "${raw.status}" is not a rollback status`);
    q.status = raw.status as RollbackStatus;
  }
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > HISTORY_LIMIT_MAX) throw new AppError('VALIDATION_FAILED', `limit: expected a whole number from 1 to ${HISTORY_LIMIT_MAX}`);
  return q;
}

// The page travels in the buttons' custom_id (max 100 characters): names become their index in the policy file's
// sorted lists, so the id stays short whatever the names are.
export function encodePage(config: Config, q: HistoryQuery): string {
  const services = Object.keys(config.raw.services).sort();
  const envs = Object.keys(config.raw.environments).sort();
  const s = q.service ? services.indexOf(q.service) : -1;
  const e = q.environment ? envs.indexOf(q.environment) : -1;
  const st = q.status ? rollbackStatus.enumValues.indexOf(q.status) : -1;
  return [s, e, st, q.limit, q.offset].join('.');
}

export function decodePage(config: Config, page: string): HistoryQuery {
  // The first character only keeps Previous and Next distinct (custom_ids must be unique within a message).
  const parts = page.slice(1).split('.').map(Number);
  if (parts.length !== 5 || parts.some((n) => !Number.isInteger(n))) throw new AppError('VALIDATION_FAILED', 'this page button is malformed; run /rollback history again');
  const [s, e, st, limit, offset] = parts as [number, number, number, number, number];
  if (offset < 0 || offset > MAX_OFFSET) throw new AppError('VALIDATION_FAILED', 'this page is out of range; run /rollback history again');
  const pick = <T>(list: readonly T[], i: number) => (i >= 0 && i < list.length ? list[i]! : null);
  const services = Object.keys(config.raw.services).sort();
  const envs = Object.keys(config.raw.environments).sort();
  const q = historyQuery(config, { service: pick(services, s), environment: pick(envs, e), status: pick(rollbackStatus.enumValues, st), limit });
  return { ...q, offset };
}

/** One embed per page, newest first, with Previous and Next: two queries, the page and then all of its votes. */
export async function historyPage(deps: CoreDeps, q: HistoryQuery): Promise<Reply> {
  // One row more than the page tells whether there is a next page without counting the table.
  const rows = await findHistory(deps.db, { service: q.service, environment: q.environment, status: q.status, limit: q.limit + 1, offset: q.offset });
  const events = rows.slice(0, q.limit);
  const votes = await findVotesForEvents(deps.db, events.map((e) => e.eventId));
  const filters = [q.service && `service ${q.service}`, q.environment && `environment ${q.environment}`, q.status && `status ${q.status}`].filter(Boolean).join(', ');
  const embed = historyEmbed({ events, votes, pageNo: Math.floor(q.offset / q.limit) + 1, filters, offset: q.offset });
  const prev = { ...q, offset: Math.max(0, q.offset - q.limit) };
  const next = { ...q, offset: q.offset + q.limit };
  return {
    embeds: [embed],
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Previous', custom_id: customId.history(`p${encodePage(deps.config, prev)}`), disabled: q.offset === 0 },
          { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Next', custom_id: customId.history(`n${encodePage(deps.config, next)}`), disabled: rows.length <= q.limit || next.offset > MAX_OFFSET },
        ],
      },
    ],
  };
}
