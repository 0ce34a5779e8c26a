import type { ApprovalState } from '../admission/approval-policy.ts';
import type { StepEntry } from '../pipeline/ledger.ts';
import type { eventDetail } from '../views/rollback-views.ts';
import type { Colors, Screen } from './terminal.ts';
import { cut, formatMs, formatWhen, paintStatus, plural } from './words.ts';

type Detail = ReturnType<typeof eventDetail>;

const LABEL = 12;
const DETAIL_WIDTH = 100;

/**
 * `rollback status` for people: what happened and what is still needed, in the order an on-call engineer asks it
 * (status, what it rolls back to, did the constitution allow it, who approved, how far the worker got, when).
 */
export function formatStatus(d: Detail, approval: ApprovalState, screen: Screen, now: Date): string {
  const c = screen.color;
  const out: string[] = [`${c.bold('rollback')} ${d.event_id}`];
  const row = (label: string, ...lines: string[]) => lines.forEach((l, i) => out.push(`  ${(i === 0 ? label : '').padEnd(LABEL)}${l}`));

  row('service', `${d.service}/${d.environment}`);
  row('status', `${paintStatus(d.status, c)}${d.status_reason ? `: ${d.status_reason}` : ''}`);
  row('plan', planText(d, c));
  row('trigger', `${d.trigger_type}, by ${d.initiated_by ?? 'automation'}: ${cut(d.trigger_reason, DETAIL_WIDTH)}`);
  row('validation', ...validationLines(d, c));
  row('approvals', approvalText(approval, d, c));
  row('steps', ...(d.rollback_steps.length ? d.rollback_steps.map((s) => stepLine(s, c, now)) : [c.dim(noStepsYet(d.status))]));
  row('times', ...timeLines(d, now));
  return out.join('\n');
}

const noStepsYet = (status: string) =>
  status === 'requested' || status === 'awaiting_approval' ? 'none yet (they run once approved)' : status === 'approved' || status === 'queued' ? 'none yet (waiting for a worker)' : 'none';

function planText(d: Detail, c: Colors): string {
  const plan = d.rollback_plan;
  if (!plan) return c.dim('none (no plan was made)');
  const from = `${plan.from.version} (${plan.from.git_commit})`;
  const to = plan.target ? `${plan.target.version} (${plan.target.git_commit})` : c.red('no valid target');
  const mode = plan.mode === 'code_only' ? 'code only' : 'full';
  return `${from} → ${to}, ${mode}, ${plural(plan.migrations.length, 'migration')} to revert`;
}

function validationLines(d: Detail, c: Colors): string[] {
  const v = d.validation;
  if (!v) return [c.dim('not evaluated yet')];
  const head = v.compliant ? c.green('compliant') : `${c.red('violations')}${d.override_requested ? ' (override requested)' : ''}`;
  return [
    `${head} (policy ${v.policy_version})`,
    ...v.violations.map((x) => `${c.red('violation')}: ${cut(x, DETAIL_WIDTH)}`),
    ...v.warnings.map((x) => `${c.yellow('warning')}: ${cut(x, DETAIL_WIDTH)}`),
  ];
}

/** "1 of 2 (dana); waiting for 1 more approver", from the same approval policy every other reader uses. */
function approvalText(a: ApprovalState, d: Detail, c: Colors): string {
  const who = a.approvedBy.length ? ` (${a.approvedBy.join(', ')})` : '';
  const head = `${a.have} of ${a.need}${who}`;
  const rejected = d.approvals.find((v) => v.decision === 'reject');
  if (rejected) return `${head}; ${c.magenta('rejected')} by ${rejected.approver_name ?? rejected.approver}: ${cut(rejected.reason ?? '', DETAIL_WIDTH)}`;
  if (a.state === 'approved') return `${head}; ${c.green('approved')}`;
  if (a.state === 'expired') return `${head}; ${c.yellow('expired')}`;
  return `${head}; ${a.missing}`;
}

function stepLine(s: StepEntry, c: Colors, now: Date): string {
  const took = s.duration_ms ?? now.getTime() - Date.parse(s.started_at);
  const word = s.status.padEnd(11);
  const status = s.status === 'done' ? c.green(word) : s.status === 'running' ? c.cyan(word) : c.red(word);
  const note = stepNote(s);
  return `${s.step.padEnd(9)} ${status} ${formatMs(took).padStart(8)}${note ? `  ${cut(note, DETAIL_WIDTH)}` : ''}`;
}

/** What a step's ledger entry says of itself: a failure's reason, else an executor's or verification's summary. */
export function stepNote(s: StepEntry): string | undefined {
  const d = s.detail ?? {};
  for (const key of ['reason', 'summary', 'note'] as const) if (typeof d[key] === 'string' && d[key]) return d[key];
  return undefined;
}

function timeLines(d: Detail, now: Date): string[] {
  const start = Date.parse(d.initiated_at!);
  const after = (iso: string | null) => (iso ? `${formatWhen(iso)} (+${formatMs(Date.parse(iso) - start)})` : null);
  const lines = [`requested  ${formatWhen(d.initiated_at!)}`];
  const approved = after(d.approved_at);
  const started = after(d.started_at);
  const completed = after(d.completed_at);
  if (approved) lines.push(`approved   ${approved}`);
  if (started) lines.push(`started    ${started}`);
  if (completed) lines.push(`completed  ${completed}`);
  else if (d.status === 'awaiting_approval' && d.expires_at) {
    const left = Date.parse(d.expires_at) - now.getTime();
    lines.push(`expires    ${formatWhen(d.expires_at)} (${left > 0 ? `in ${formatMs(left)}` : 'now'})`);
  }
  return lines;
}
