import type { Logger } from '../logging/logger.ts';
import { checkCallbackUrl } from './callback-url.ts';
import { githubMessage, isRateLimited, rateLimitWaitMs, requestGithub, type GithubAnswer } from './github-request.ts';
import type { InstallationTokens } from './installation-token.ts';
import type { ProtectionRuleEvent } from './protection-rule-event.ts';

// Answers a deployment_protection_rule event: POST {environment_name, state, comment} (or, for a status report, no
// state) to the run's deployment_protection_rule endpoint with an installation token; GitHub answers 204. Transient trouble (5xx, 429,
// rate limits, timeouts, lost connections) is retried a bounded number of times; GitHub's refusals are final.

/** GitHub shows at most 1024 characters of a protection rule's comment. */
export const MAX_COMMENT_LENGTH = 1024;

/** The comment is Markdown, cut to MAX_COMMENT_LENGTH. */
export type ProtectionRuleDecision =
  | { state: 'approved' | 'rejected'; comment: string }
  /** A status report: the comment alone, and the rule stays pending (GitHub takes up to 10 per deployment). */
  | { state?: undefined; comment: string };

/** The parts of the event an answer needs: the parsed event itself fits. */
export type AnsweredEvent = Pick<ProtectionRuleEvent, 'deployment_callback_url' | 'environment' | 'repository' | 'installation'>;

export type AnswerOutcome =
  | { outcome: 'answered'; status: number; attempts: number; runId: number }
  /** Nothing was sent: the callback URL failed the checks. */
  | { outcome: 'refused'; reason: string }
  /**
   * `status` is GitHub's last answer (the token request's when no token could be had), null when none came;
   * `retryable` says whether answering again later may work.
   */
  | { outcome: 'failed'; status: number | null; reason: string; retryable: boolean; attempts: number };

export interface ProtectionRuleAnswererConfig {
  /** The API base the App talks to; callback URLs elsewhere are refused. */
  apiUrl: string;
  /** Tries for transient trouble, the first included; default 4. */
  attempts?: number;
  /** First backoff, doubled after each try; default 1 s. */
  backoffMs?: number;
  /** The longest a rate limit's Retry-After or reset is waited for; longer fails as retryable. Default 60 s. */
  maxRateLimitWaitMs?: number;
  /** Default 10 s. */
  requestTimeoutMs?: number;
}

export interface ProtectionRuleAnswererDeps {
  tokens: InstallationTokens;
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
  clock(): Date;
  logger: Logger;
}

export type AnswerProtectionRule = (event: AnsweredEvent, decision: ProtectionRuleDecision) => Promise<AnswerOutcome>;

/** Cuts a comment to GitHub's limit, marking the cut, without splitting a surrogate pair. */
export function fitComment(comment: string, max = MAX_COMMENT_LENGTH): string {
  if (comment.length <= max) return comment;
  let cut = max - 1;
  if (/[\uD800-\uDBFF]/.test(comment[cut - 1] ?? '')) cut--;
  return `${comment.slice(0, cut)}…`;
}

export function createProtectionRuleAnswerer(config: ProtectionRuleAnswererConfig, deps: ProtectionRuleAnswererDeps): AnswerProtectionRule {
  const attempts = Math.max(1, config.attempts ?? 4);
  const backoffMs = config.backoffMs ?? 1_000;
  const maxWait = config.maxRateLimitWaitMs ?? 60_000;
  const timeoutMs = config.requestTimeoutMs ?? 10_000;

  return async function answer(event, decision) {
    const checked = checkCallbackUrl(config.apiUrl, event.deployment_callback_url, event.repository.full_name);
    if (!checked.ok) {
      deps.logger.warn({ repository: event.repository.full_name, installationId: event.installation.id, problem: checked.problem }, 'refused a deployment_callback_url');
      return { outcome: 'refused', reason: checked.problem };
    }
    const { url, runId } = checked.target;
    const installationId = event.installation.id;
    const comment = fitComment(decision.comment);
    const body = decision.state ? { environment_name: event.environment, state: decision.state, comment } : { environment_name: event.environment, comment };
    const log = { repository: event.repository.full_name, runId, installationId, environment: event.environment };
    let renewedAfter401 = false;
    // A POST that got no answer or a 5xx may still have been recorded: a later refusal may be GitHub seeing it twice.
    let mayHaveLanded = false;
    let last: { status: number | null; reason: string } = { status: null, reason: 'not tried' };

    for (let attempt = 1; attempt <= attempts; attempt++) {
      const failed = (status: number | null, reason: string, retryable: boolean): AnswerOutcome => {
        const landed = mayHaveLanded && status !== null && status >= 400 && status < 500 ? ' (an earlier try may have been recorded)' : '';
        deps.logger.warn({ ...log, status, attempts: attempt, reason }, 'could not answer the deployment protection rule');
        return { outcome: 'failed', status, reason: `${reason}${landed}`, retryable, attempts: attempt };
      };
      // Before each retry: the given wait (a rate limit's), else exponential backoff.
      const retry = async (status: number | null, reason: string, waitMs?: number) => {
        last = { status, reason };
        if (attempt === attempts) return;
        const wait = waitMs ?? backoffMs * 2 ** (attempt - 1);
        deps.logger.info({ ...log, status, attempt, waitMs: wait, reason }, 'retrying the deployment protection rule answer');
        await deps.sleep(wait);
      };

      const token = await deps.tokens.get(installationId);
      if (!token.ok) {
        if (!token.retryable) return failed(token.status, token.problem, false);
        await retry(token.status, token.problem);
        continue;
      }
      const a = await requestGithub(deps.fetch, { method: 'POST', url, bearer: token.token, body, timeoutMs });
      if (a.status === null) {
        mayHaveLanded = true;
        await retry(null, `no answer from GitHub: ${a.reason}`);
        continue;
      }
      if (a.status >= 200 && a.status < 300) {
        deps.logger.info({ ...log, state: decision.state ?? 'status report', attempts: attempt }, 'answered the deployment protection rule');
        return { outcome: 'answered', status: a.status, attempts: attempt, runId };
      }
      const said = describe(a, token.token);
      if (a.status === 401 && !renewedAfter401) {
        // The kept token was revoked or the installation changed: one more try with a fresh token, not counted.
        renewedAfter401 = true;
        deps.tokens.forget(installationId);
        attempt--;
        continue;
      }
      if (isRateLimited(a)) {
        const wait = rateLimitWaitMs(a.headers, deps.clock().getTime());
        if (wait !== undefined && wait > maxWait) return failed(a.status, `GitHub rate limited the answer (${said}) and asks to wait ${Math.ceil(wait / 1000)}s`, true);
        await retry(a.status, `GitHub rate limited the answer (${said})`, wait);
        continue;
      }
      if (a.status >= 500 || a.status === 408) {
        mayHaveLanded = true;
        await retry(a.status, `GitHub answered ${said}`);
        continue;
      }
      return failed(a.status, finalReason(a, said, checked.target.owner, checked.target.repo, runId), false);
    }
    return { outcome: 'failed', status: last.status, reason: `${last.reason} (after ${attempts} tries)`, retryable: true, attempts };
  };
}

/** "502", or "422: <GitHub's message>". */
function describe(a: GithubAnswer, token: string): string {
  const message = githubMessage(a.body, token);
  return message ? `${a.status}: ${message}` : String(a.status);
}

function finalReason(a: GithubAnswer, said: string, owner: string, repo: string, runId: number): string {
  if (a.status === 401) return `GitHub rejected a fresh installation token too (${said})`;
  if (a.status === 403) return `GitHub refused the answer (${said}): does the App have Deployments read and write on ${owner}/${repo}?`;
  if (a.status === 404) return `GitHub knows no workflow run ${runId} in ${owner}/${repo} that the App can see (${said})`;
  if (a.status === 422) return `GitHub refused the answer (${said}): the run may no longer be waiting on this rule`;
  return `GitHub answered ${said}`;
}
