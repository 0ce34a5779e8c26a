import { STEPS, type StepEntry } from '../../../pipeline/ledger.ts';
import type { RollbackEventRow } from '../../../db/schema/index.ts';
import { durationLabel } from './format.ts';

const STEP_ICON: Record<StepEntry['status'] | 'pending', string> = {
  pending: '⬜',
  running: '🔄',
  done: '✅',
  failed: '❌',
  interrupted: '⚠️',
};

/** "▰▰▰▱▱ 3/5" plus one line per step with its state and duration, and the elapsed time. */
export function progressLabel(event: RollbackEventRow, now: Date, liveLine?: string): string {
  const ledger = event.rollbackSteps;
  const latest = new Map<string, StepEntry>();
  for (const entry of ledger) latest.set(entry.step, entry);
  // validate and snapshot finish before the ledger is first written, so a later step implies they are done.
  const reached = Math.max(-1, ...STEPS.map((s, i) => (latest.has(s) ? i : -1)));
  const succeeded = event.status === 'succeeded';
  const lines = STEPS.map((step, i) => {
    const entry = latest.get(step);
    const state = entry?.status ?? (succeeded || i < reached ? 'done' : 'pending');
    const took = entry?.duration_ms !== undefined ? ` · ${durationLabel(entry.duration_ms)}` : '';
    return `${STEP_ICON[state]} ${step}${took}`;
  });
  const done = succeeded ? STEPS.length : STEPS.filter((s, i) => latest.get(s)?.status === 'done' || (!latest.has(s) && i < reached)).length;
  const bar = '▰'.repeat(done) + '▱'.repeat(STEPS.length - done);
  const start = event.startedAt ?? event.approvedAt;
  const end = event.completedAt ?? now;
  const elapsed = start ? ` · ${durationLabel(Math.max(0, end.getTime() - start.getTime()))}` : '';
  const live = liveLine ? `\n> ${liveLine}` : '';
  return `${bar} ${done}/${STEPS.length}${elapsed}\n${lines.join('\n')}${live}`;
}
