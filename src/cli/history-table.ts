import { stripVTControlCharacters } from 'node:util';
import Table from 'cli-table3';
import type { historyItem } from '../views/rollback-views.ts';
import type { Screen } from './terminal.ts';
import { cut, formatWhen, paintStatus, zoneLabel } from './words.ts';

/** One history row: the API's item (the same body `--json` prints) and the versions from its plan. */
export interface HistoryLine {
  item: ReturnType<typeof historyItem>;
  fromVersion: string | null;
  toVersion: string | null;
}

// No borders: columns apart by two spaces, so a row copies cleanly and `grep` or `awk` read piped output as they do
// `ps` or `kubectl get`.
const BLANK = { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' };
// Piped output has no width to fit: reasons are cut here, so each row stays one line.
const PIPED_REASON_WIDTH = 48;
const MIN_REASON_WIDTH = 16;

/**
 * `rollback history` for people: one row per rollback, newest first, the full event id (what every other command
 * takes), and the reason cut to fit the terminal. Times are local; the header names the zone.
 */
export function formatHistory(lines: HistoryLine[], screen: Screen, now: Date): string {
  const c = screen.color;
  const rows = lines.map(({ item, fromVersion, toVersion }) => [
    formatWhen(item.initiated_at ?? now.toISOString(), false),
    item.event_id,
    `${item.service}/${item.environment}`,
    `${fromVersion ?? '?'} → ${toVersion ?? c.dim('none')}`,
    paintStatus(item.status, c),
    item.trigger_type,
    item.initiated_by ?? c.dim('automation'),
    item.trigger_reason,
  ]);
  const head = [`WHEN (${zoneLabel(now)})`, 'ROLLBACK', 'SERVICE/ENV', 'VERSION', 'STATUS', 'TRIGGER', 'BY', 'REASON'].map((h) => c.bold(h));
  const reasonWidth = screen.columns ? Math.max(MIN_REASON_WIDTH, screen.columns - widthBeforeReason(head, rows) - 1) : PIPED_REASON_WIDTH;
  const table = new Table({ head, chars: BLANK, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } });
  for (const row of rows) table.push([...row.slice(0, -1), cut(row.at(-1)!, reasonWidth)]);
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

/** The width of every column but the last, as the table will lay them out (two spaces apart). */
function widthBeforeReason(head: string[], rows: string[][]): number {
  const visible = (s: string) => stripVTControlCharacters(s).length;
  let total = 0;
  for (let col = 0; col < head.length - 1; col++) total += Math.max(visible(head[col]!), ...rows.map((r) => visible(r[col]!))) + 2;
  return total;
}
