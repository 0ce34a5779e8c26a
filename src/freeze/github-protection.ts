import { and, asc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/append-audit.ts';
import type { Config } from '../config/load.ts';
import type { CoreDeps } from '../core/deps.ts';
import { githubProtectionRequests, UNANSWERED_AFTER_ATTEMPTS, type GithubProtectionRequestRow } from '../db/schema/index.ts';
import type { AnsweredEvent, AnswerOutcome, AnswerProtectionRule } from '../github/answer-protection-rule.ts';
import { parseProtectionRuleEvent } from '../github/protection-rule-event.ts';
import { verifyGithubSignature } from '../github/webhook-signature.ts';
import { githubNotice } from '../notify/freeze-notice.ts';
import { askGate } from './ask-gate.ts';
import { gateText } from './gate-words.ts';

// backstop as a GitHub App's custom deployment protection rule. GitHub asks before a job deploys to a protected
// environment; backstop asks its gate and answers through the callback: approved now, or a comment now (the reasons)
// and an approval once the freezes lift, which the monitor's tick checks. Every delivery is recorded first, by its
// delivery id, so a redelivery is recognised and each deployment gets one decision.

export interface GithubGate {
  webhookSecret: string;
  /** Retries transient trouble (the tick's answers). */
  answer: AnswerProtectionRule;
  /** One short try: GitHub gives a webhook 10 s, and what this misses the next tick answers. */
  answerQuickly: AnswerProtectionRule;
}

export interface GithubGateDeps extends Pick<CoreDeps, 'db' | 'config' | 'clock' | 'logger' | 'notifier'> {
  github: GithubGate;
}

export interface Delivery {
  id: string | undefined;
  event: string | undefined;
  signature: string | undefined;
  rawBody: string;
}

export type DeliveryOutcome =
  | { kind: 'refused'; problem: string }
  | { kind: 'invalid'; problem: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'recorded'; requestId: string; state: string; duplicate: boolean };

/** The backstop service and environment a repository's GitHub environment deploys, from `services.<name>.github`. */
export function serviceForGithub(config: Config, repository: string, githubEnvironment: string): { service: string; environment: string } | null {
  for (const [service, s] of Object.entries(config.raw.services)) {
    if (!s.github || s.github.repository.toLowerCase() !== repository.toLowerCase()) continue;
    const environment = s.github.environments ? s.github.environments[githubEnvironment] : githubEnvironment;
    if (environment && s.environments.includes(environment)) return { service, environment };
  }
  return null;
}

const answeredEvent = (r: GithubProtectionRequestRow): AnsweredEvent => ({
  deployment_callback_url: r.callbackUrl,
  environment: r.githubEnvironment,
  repository: { full_name: r.repository },
  installation: { id: Number(r.installationId) },
});

export async function receiveDelivery(deps: GithubGateDeps, delivery: Delivery): Promise<DeliveryOutcome> {
  // The refusal becomes a 401, which the API audits as every refusal is: a row per source address, up to a bound a
  // minute, then a summary, so a flood of forged deliveries cannot fill the audit log.
  if (!verifyGithubSignature(deps.github.webhookSecret, delivery.rawBody, delivery.signature)) {
    return { kind: 'refused', problem: delivery.signature ? 'X-Hub-Signature-256 does not match the body and the webhook secret' : 'the delivery carries no X-Hub-Signature-256' };
  }
  if (delivery.event === 'ping') return { kind: 'ignored', reason: 'ping: the webhook is set up' };
  if (delivery.event !== 'deployment_protection_rule') return { kind: 'ignored', reason: `event ${delivery.event ?? '(none)'} is not handled; the App needs only deployment_protection_rule` };
  if (!delivery.id) return { kind: 'invalid', problem: 'the delivery carries no X-GitHub-Delivery id' };
  const parsed = parseProtectionRuleEvent(delivery.rawBody);
  if (!parsed.ok) return parsed.kind === 'unsupported' ? { kind: 'ignored', reason: parsed.problem } : { kind: 'invalid', problem: parsed.problem };
  const event = parsed.event;
  const mapped = serviceForGithub(deps.config, event.repository.full_name, event.environment);
  const [inserted] = await deps.db
    .insert(githubProtectionRequests)
    .values({
      deliveryId: delivery.id,
      repository: event.repository.full_name,
      githubEnvironment: event.environment,
      service: mapped?.service ?? null,
      environment: mapped?.environment ?? null,
      version: event.sha,
      sha: event.sha,
      callbackUrl: event.deployment_callback_url,
      installationId: String(event.installation.id),
      // Not 'waiting' yet: the tick leaves it to this request's quick answer, unless that never finishes (DECIDING_MS).
      state: 'deciding',
      receivedAt: deps.clock(),
    })
    .onConflictDoNothing({ target: githubProtectionRequests.deliveryId })
    .returning();
  if (!inserted) {
    const [existing] = await deps.db.select().from(githubProtectionRequests).where(eq(githubProtectionRequests.deliveryId, delivery.id));
    return { kind: 'recorded', requestId: existing!.requestId, state: existing!.state, duplicate: true };
  }
  const state = await decide(deps, inserted, deps.github.answerQuickly);
  return { kind: 'recorded', requestId: inserted.requestId, state, duplicate: false };
}

/** How long a webhook's own quick answer has before the tick takes its request over (the process may have died). */
const DECIDING_MS = 30_000;
const OPEN = ['deciding', 'waiting'];

/** The waiting requests, oldest first, each asked of the gate again; once a tick, so an approval follows a lift within one. */
export async function answerWaiting(deps: GithubGateDeps, limit = 50): Promise<number> {
  const stale = new Date(deps.clock().getTime() - DECIDING_MS);
  const waiting = await deps.db
    .select()
    .from(githubProtectionRequests)
    .where(or(eq(githubProtectionRequests.state, 'waiting'), and(eq(githubProtectionRequests.state, 'deciding'), lt(githubProtectionRequests.receivedAt, stale))))
    .orderBy(asc(githubProtectionRequests.receivedAt))
    .limit(limit);
  let answered = 0;
  for (const row of waiting) if ((await decide(deps, row, deps.github.answer)) !== 'waiting') answered++;
  return answered;
}

/**
 * Asks the gate for one request and tells GitHub. A request stays waiting while the gate denies (GitHub gets the reasons
 * once, as a comment) and while GitHub cannot be reached (retried next tick); it ends approved, rejected (never
 * configured: a clear refusal, never a silent approval) or failed (GitHub refused the answer).
 */
async function decide(deps: GithubGateDeps, row: GithubProtectionRequestRow, answer: AnswerProtectionRule): Promise<string> {
  const event = answeredEvent(row);
  let outcome: AnswerOutcome;
  let state: 'approved' | 'rejected' | 'waiting';
  let reasons: string[];
  if (!row.service || !row.environment) {
    state = 'rejected';
    reasons = [`backstop does not know ${row.repository}'s environment "${row.githubEnvironment}": add services.<name>.github: { repository: ${row.repository} } to the policy file (environments maps GitHub's names to backstop's)`];
    outcome = await answer(event, { state: 'rejected', comment: reasons[0]! });
  } else {
    const verdict = await askGate(deps, { service: row.service, environment: row.environment, version: row.version, commit: row.sha });
    const text = gateText(verdict);
    reasons = text.split('\n');
    if (verdict.decision === 'allow') {
      state = 'approved';
      outcome = await answer(event, { state: 'approved', comment: `backstop: ${text}` });
    } else {
      state = 'waiting';
      // The reasons are told once; a denial that has not changed is not repeated every tick.
      if (row.state === 'waiting' && row.commentedAt && JSON.stringify(row.reasons) === JSON.stringify(reasons)) return 'waiting';
      outcome = await answer(event, { comment: `backstop: ${text}\n\nGitHub will be told to go ahead as soon as the freezes lift.` });
    }
  }
  const now = deps.clock();
  if (outcome.outcome === 'answered') {
    await deps.db
      .update(githubProtectionRequests)
      .set({ state, reasons, attempts: sql`${githubProtectionRequests.attempts} + 1`, lastError: null, ...(state === 'waiting' ? { commentedAt: now } : { answeredAt: now }) })
      .where(and(eq(githubProtectionRequests.requestId, row.requestId), inArray(githubProtectionRequests.state, OPEN)));
    // A held deployment has a card: it appears with the reasons, and says when GitHub was told.
    if (state === 'waiting' || row.state === 'waiting') await deps.notifier.freeze?.(githubNotice(row, state));
    if (state !== 'waiting') {
      await appendAudit(deps.db, {
        actor: 'backstop',
        source: 'system',
        action: 'github.protection_rule',
        subject: row.requestId,
        result: state,
        details: { repository: row.repository, environment: row.githubEnvironment, service: row.service, sha: row.sha, reasons },
      });
    }
    return state;
  }
  // Retryable trouble leaves it waiting for the next tick; a refusal from GitHub (or a callback URL off the API) ends it.
  const retryable = outcome.outcome === 'failed' && outcome.retryable;
  const lastError = outcome.reason;
  deps.logger.warn({ requestId: row.requestId, repository: row.repository, outcome }, 'could not answer GitHub’s deployment protection rule');
  await deps.db
    .update(githubProtectionRequests)
    .set({ state: retryable ? 'waiting' : 'failed', lastError, attempts: sql`${githubProtectionRequests.attempts} + 1` })
    .where(and(eq(githubProtectionRequests.requestId, row.requestId), inArray(githubProtectionRequests.state, OPEN)));
  // The card changes when the trouble starts, changes or lasts (UNANSWERED_AFTER_ATTEMPTS), and when it ends; not at
  // every retry.
  if (!retryable || row.state !== 'waiting' || row.lastError !== lastError || row.attempts + 1 === UNANSWERED_AFTER_ATTEMPTS) {
    await deps.notifier.freeze?.(githubNotice(row, retryable ? 'waiting' : 'failed'));
  }
  if (!retryable) {
    await appendAudit(deps.db, { actor: 'backstop', source: 'system', action: 'github.protection_rule', subject: row.requestId, result: 'failed', severity: 'warning', details: { repository: row.repository, error: lastError } });
  }
  return retryable ? 'waiting' : 'failed';
}
