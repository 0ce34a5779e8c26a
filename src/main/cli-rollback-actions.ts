import { userInfo } from 'node:os';
import { describeApprovals } from '../admission/approval-policy.ts';
import { approvalStateOf, loadVotes } from '../admission/approval-state.ts';
import { cancelRollback } from '../admission/cancel-rollback.ts';
import { decideRollback } from '../admission/decide-rollback.ts';
import { requestRollback } from '../admission/request-rollback.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { approvalWords } from '../cli/progress.ts';
import { paintStatus } from '../cli/words.ts';
import { ROLES, type Role } from '../config/schema.ts';
import type { Actor } from '../core/deps.ts';
import { requestResponse } from '../http/routes/rollback-request.ts';
import { acknowledgeHold } from '../monitor/holds.ts';
import { parseTimeout, waitForRollback, withCore, type OutputOptions, type WaitOptions } from './cli-run.ts';

// What the rollback verbs do, loaded only when one runs (cli-rollback.ts declares them for --help). Each prints a
// line for people, or with --json the body the HTTP API answers for the same verb.

export interface WhoOptions {
  as?: string;
  name?: string;
}

// Whoever can run the CLI holds the database credentials, so the CLI acts with full rights, as a named person.
export function cliActor(opts: WhoOptions): Actor {
  const id = opts.as ?? `cli:${userInfo().username}`;
  return { id, name: opts.name ?? id, roles: new Set<Role>(ROLES), source: 'cli' };
}

export const request = (deploymentId: string, opts: WhoOptions & WaitOptions & { reason: string; override?: boolean; codeOnly?: boolean }) =>
  withCore('cli', async (deps, term) => {
    const timeoutMs = parseTimeout(opts.timeout);
    const outcome = await requestRollback(deps, { deploymentId, reason: opts.reason, triggerType: 'manual', requester: cliActor(opts), override: Boolean(opts.override), codeOnly: Boolean(opts.codeOnly) });
    const code = outcome.kind === 'admitted' ? EXIT.OK : outcome.kind === 'already_in_progress' ? EXIT.CONFLICT : EXIT.VIOLATION;
    // With --wait and --json, the one JSON document is the final status (waitForRollback prints it).
    if (opts.json && !(opts.wait && outcome.kind === 'admitted')) term.json(requestResponse(outcome).body);
    const screen = opts.json ? term.err : term.out;
    const c = screen.color;
    if (outcome.kind === 'already_in_progress') {
      const { service, environment, eventId, status } = outcome.event;
      term.err.line(`a rollback of ${service}/${environment} is already in progress: ${eventId} (${status}); \`backstop rollback status ${eventId} --wait\` follows it`);
      return code;
    }
    if (outcome.kind === 'rejected') {
      term.err.line(`rollback refused: ${outcome.error}`);
      for (const v of outcome.validation.violations) term.err.line(`  violation: ${v}`);
      return code;
    }
    const { event, target } = outcome;
    const plan = event.rollbackPlan;
    if (!opts.json || opts.wait) {
      screen.line(`rollback ${event.eventId}: ${paintStatus(event.status, c)}, ${event.service}/${event.environment} ${plan?.from.version ?? '?'} → ${target.version} (${target.git_commit})`);
      for (const w of outcome.validation.warnings) screen.line(`  ${c.yellow('warning')}: ${w}`);
      if (event.status === 'awaiting_approval') {
        const approval = approvalStateOf(event, await loadVotes(deps.db, event.eventId), deps.clock());
        screen.line(`  approvals ${approvalWords({ approval })}: another approver runs \`backstop rollback approve ${event.eventId} -r <reason>\` or clicks Approve in Discord`);
      } else if (!outcome.enqueued) screen.line(`  ${c.yellow('not queued yet')}: the queue (Redis) did not answer; a worker's reconciler queues it when it does`);
      if (!opts.wait) screen.line(c.dim(`  follow it: backstop rollback status ${event.eventId} --wait`));
    }
    return opts.wait ? waitForRollback(deps.db, event.eventId, { ...opts, timeoutMs }, term) : code;
  });

export const decide = (decision: 'approve' | 'reject', eventId: string, opts: WhoOptions & WaitOptions & { reason: string; override?: boolean }) =>
  withCore('cli', async (deps, term) => {
    const timeoutMs = parseTimeout(opts.timeout);
    const outcome = await decideRollback(deps, { eventId, actor: cliActor(opts), decision, reason: opts.reason, override: Boolean(opts.override) });
    if (outcome.kind !== 'recorded') {
      const error = outcome.kind === 'refused' ? { code: outcome.code, message: outcome.message } : { code: 'ALREADY_RESOLVED', message: `already resolved: ${outcome.by}` };
      if (opts.json) term.json({ error, event_id: outcome.event.eventId, status: outcome.event.status });
      term.err.line(outcome.kind === 'refused' ? `refused (${error.code}): ${error.message}` : `${error.message} (the rollback is ${outcome.event.status})`);
      return EXIT.CONFLICT;
    }
    const { event, approval } = outcome;
    if (opts.json && !opts.wait) {
      // The body of POST /api/rollbacks/{event_id}/approvals.
      term.json({
        event_id: event.eventId,
        status: event.status,
        approvals: { state: approval.state, have: approval.have, need: approval.need, approved_by: approval.approvedBy, summary: describeApprovals(approval) },
        plan_changed: outcome.planChanged,
        enqueued: outcome.enqueued,
      });
    }
    const screen = opts.json ? term.err : term.out;
    if (!opts.json || opts.wait) {
      screen.line(`rollback ${event.eventId}: ${paintStatus(event.status, screen.color)}; approvals ${approvalWords({ approval })}`);
      if (outcome.planChanged) screen.line(`  ${screen.color.yellow('the plan changed')} since earlier approvals: they no longer count`);
    }
    return opts.wait && decision === 'approve' ? waitForRollback(deps.db, event.eventId, { ...opts, timeoutMs }, term) : EXIT.OK;
  });

export const cancel = (eventId: string, opts: WhoOptions & OutputOptions & { reason?: string }) =>
  withCore('cli', async (deps, term) => {
    const outcome = await cancelRollback(deps, { eventId, actor: cliActor(opts), reason: opts.reason });
    const { event } = outcome;
    const message = outcome.kind === 'too_late' ? `too late to cancel: the rollback is ${event.status}` : outcome.kind === 'already_final' ? `already ${event.status}` : 'cancelled';
    // The body of POST /api/rollbacks/{event_id}/cancel.
    if (opts.json) term.json({ event_id: event.eventId, status: event.status, result: outcome.kind, message });
    else if (outcome.kind === 'cancelled') term.out.line(`rollback ${event.eventId}: ${paintStatus('cancelled', term.out.color)}`);
    else term.err.line(`rollback ${event.eventId}: not cancelled, ${message}`);
    return outcome.kind === 'cancelled' ? EXIT.OK : EXIT.CONFLICT;
  });

export const acknowledge = (service: string, environment: string, opts: WhoOptions & OutputOptions) =>
  withCore('cli', async (deps, term) => {
    const released = await acknowledgeHold(deps, cliActor(opts), service, environment);
    // The body of POST /api/automation/{service}/{environment}/acknowledge.
    if (opts.json) term.json({ service, environment, holds_released: released });
    else term.out.line(released ? `automation resumed for ${service} in ${environment} (${released} hold${released === 1 ? '' : 's'} released)` : `no hold on ${service} in ${environment}`);
  });
