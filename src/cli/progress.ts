import type { ApprovalState } from '../admission/approval-policy.ts';
import { isFinal, type RollbackStatus } from '../db/queries/rollback-events.ts';
import type { StepEntry } from '../pipeline/ledger.ts';
import { stepNote } from './status-block.ts';
import type { Colors } from './terminal.ts';
import { cut, formatMs, paintStatus } from './words.ts';

/** What --wait watches of one rollback, read from its row on every poll: the status, the approvals, the ledger. */
export interface Progress {
  status: RollbackStatus;
  statusReason: string | null;
  steps: StepEntry[];
  approval: Pick<ApprovalState, 'have' | 'need' | 'approvedBy' | 'missing'>;
}

const NOTE_WIDTH = 100;
const NOT_APPROVED = new Set<string>(['awaiting_approval', 'approved', 'rejected', 'expired', 'cancelled']);

/**
 * The changes between two polls, as lines, in the order they happened: each step that started or ended, by its
 * ledger time, with a new active status where it belongs (running before the steps, verifying as verify starts) and a
 * final status last. A step that started and ended between two polls shows as ended.
 */
export function describeChanges(prev: Progress | null, next: Progress, c: Colors): string[] {
  const events: Array<{ at: string; step: StepEntry['step']; line: string }> = [];
  for (const step of next.steps) {
    const before = prev?.steps.find((s) => s.step === step.step);
    if (before && before.attempt === step.attempt && before.status === step.status) continue;
    if (step.status === 'running') events.push({ at: step.started_at, step: step.step, line: `${step.step} ${c.cyan('started')}${step.attempt > 1 ? ` (attempt ${step.attempt})` : ''}` });
    else events.push({ at: step.finished_at ?? step.started_at, step: step.step, line: stepEndLine(step, c) });
  }
  const lines = events.sort((a, b) => a.at.localeCompare(b.at)).map((e) => e.line);
  const statusChanged = prev?.status !== next.status;
  if (statusChanged && isFinal(next.status)) lines.push(`${paintStatus(next.status, c)}${next.statusReason ? `: ${next.statusReason}` : ''}`);
  else if (statusChanged) {
    const verify = events.findIndex((e) => e.step === 'verify');
    lines.splice(next.status === 'verifying' ? (verify < 0 ? lines.length : verify) : 0, 0, activeStatusLine(next, c));
  } else if (next.status === 'awaiting_approval' && prev && prev.approval.have !== next.approval.have) lines.push(`approvals: ${approvalWords(next)}`);
  // A worker may take it before a poll sees 'approved': who approved it is still news to whoever waited for them.
  if (prev?.status === 'awaiting_approval' && !NOT_APPROVED.has(next.status)) lines.unshift(`${paintStatus('approved', c)} by ${next.approval.approvedBy.join(', ')}`);
  return lines;
}

function activeStatusLine(p: Progress, c: Colors): string {
  const status = paintStatus(p.status, c);
  if (p.status === 'awaiting_approval') return `${status}: ${approvalWords(p)}`;
  if (p.status === 'approved') return `${status}${p.approval.approvedBy.length ? ` by ${p.approval.approvedBy.join(', ')}` : ''}; waiting for a worker`;
  return status;
}

/** "1 of 2 (dana); waiting for 1 more approver": the approval state in the words every CLI answer uses. */
export const approvalWords = (p: Pick<Progress, 'approval'>) =>
  `${p.approval.have} of ${p.approval.need}${p.approval.approvedBy.length ? ` (${p.approval.approvedBy.join(', ')})` : ''}${p.approval.missing ? `; ${p.approval.missing}` : ''}`;

function stepEndLine(s: StepEntry, c: Colors): string {
  const took = s.duration_ms === undefined ? '' : ` in ${formatMs(s.duration_ms)}`;
  const note = stepNote(s);
  const word = s.status === 'done' ? c.green('done') : c.red(s.status);
  return `${s.step} ${word}${took}${note ? `: ${cut(note, NOTE_WIDTH)}` : ''}`;
}
