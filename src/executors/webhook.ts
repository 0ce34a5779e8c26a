import type { WebhookExecutorConfig } from '../config/schema.ts';
import type { PlanDeployment } from '../core/plan.ts';
import type { Logger } from '../logging/logger.ts';
import type { ExecutionOutcome, ExecutionRequest, Executor } from './types.ts';
import { signWebhook } from './webhook-signature.ts';

export interface WebhookExecutorDeps {
  logger: Logger;
  secret(name: string): string | undefined;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

type Attempt = { kind: 'answer'; status: number; body: unknown; text: string; retryAfter: number | null } | { kind: 'network'; message: string };

const TERMINAL_OK = new Set(['succeeded', 'success']);
const pick = (d: PlanDeployment) => ({ deployment_id: d.deployment_id, version: d.version, git_commit: d.git_commit });
const TERMINAL_FAIL = new Set(['failed', 'failure', 'error']);

// POSTs the signed rollback request. The receiver deduplicates on Idempotency-Key (the event id), which is what
// makes starting this executor again after a crash safe (resumable).
export function createWebhookExecutor(config: WebhookExecutorConfig, deps: WebhookExecutorDeps): Executor {
  const doFetch = deps.fetch ?? globalThis.fetch;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  async function send(method: 'POST' | 'GET', url: string, body: string, secret: string, req: ExecutionRequest): Promise<Attempt> {
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const res = await doFetch(url, {
        method,
        headers: {
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
          'idempotency-key': req.idempotencyKey,
          'x-backstop-event-id': req.eventId,
          'x-backstop-timestamp': String(timestamp),
          'x-backstop-signature': signWebhook(secret, timestamp, body),
        },
        body: method === 'POST' ? body : undefined,
        signal: AbortSignal.any([req.signal, AbortSignal.timeout(config.timeout)]),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: judged by status alone
      }
      const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
      return { kind: 'answer', status: res.status, body: parsed, text, retryAfter: Number.isFinite(retryAfter) ? retryAfter : null };
    } catch (err) {
      return { kind: 'network', message: (err as Error).name === 'TimeoutError' ? `no answer within ${config.timeout} ms` : (err as Error).message };
    }
  }

  async function poll(url: string, secret: string, req: ExecutionRequest): Promise<ExecutionOutcome> {
    const deadline = Date.now() + config.poll_timeout;
    let last = '';
    while (Date.now() < deadline) {
      await sleep(config.poll_interval);
      const a = await send('GET', url, '', secret, req);
      if (a.kind === 'network' || a.status >= 500) continue;
      const status = String((a.body as { status?: unknown } | null)?.status ?? '');
      if (status && status !== last) req.onProgress(`webhook status: ${status}`);
      last = status;
      if (TERMINAL_OK.has(status)) return { ok: true, summary: `webhook reports ${status}` };
      if (TERMINAL_FAIL.has(status)) return { ok: false, retryable: false, reason: `webhook reports ${status}: ${String((a.body as { message?: unknown }).message ?? '')}`.trim() };
    }
    return { ok: false, retryable: false, reason: `the rollback behind ${new URL(url).host} did not finish within ${Math.round(config.poll_timeout / 1000)}s` };
  }

  return {
    kind: 'webhook',
    resumable: true,
    async execute(req) {
      const secret = deps.secret(config.secret_env);
      if (!secret) return { ok: false, retryable: false, reason: `webhook secret env ${config.secret_env} is not set` };
      const body = JSON.stringify({
        event_id: req.eventId,
        idempotency_key: req.idempotencyKey,
        service: req.plan.service,
        environment: req.plan.environment,
        // The receiver's summary of the plan (its contract since the first release), then the plan itself.
        target: pick(req.plan.target),
        from: pick(req.plan.from),
        plan: req.plan,
      });
      let problem = '';
      for (let attempt = 0; attempt <= config.retries; attempt++) {
        const a = await send('POST', config.url, body, secret, req);
        if (a.kind === 'answer' && a.status >= 200 && a.status < 300) {
          const answer = (a.body ?? {}) as { status?: unknown; status_url?: unknown; message?: unknown };
          const status = String(answer.status ?? '');
          req.onProgress(`webhook answered ${a.status}${status ? ` (${status})` : ''}`);
          await req.onStarted({ webhook_status: a.status });
          if (TERMINAL_FAIL.has(status)) return { ok: false, retryable: false, reason: `webhook reports ${status}: ${String(answer.message ?? '')}`.trim() };
          const statusUrl = config.status_url?.replace('{event_id}', req.eventId) ?? (a.status === 202 && typeof answer.status_url === 'string' ? answer.status_url : undefined);
          if (statusUrl && !TERMINAL_OK.has(status)) return poll(statusUrl, secret, req);
          return { ok: true, summary: `webhook answered ${a.status}${status ? ` (${status})` : ''}` };
        }
        if (a.kind === 'answer' && a.status >= 400 && a.status < 500 && a.status !== 408 && a.status !== 429) {
          return { ok: false, retryable: false, reason: `webhook answered ${a.status}: ${a.text.slice(0, 300)}` };
        }
        problem = a.kind === 'network' ? a.message : `webhook answered ${a.status}`;
        if (req.signal.aborted || attempt === config.retries) break;
        const retryAfter = a.kind === 'answer' ? a.retryAfter : null;
        req.onProgress(`${problem}; retrying`);
        await sleep(retryAfter !== null ? Math.min(retryAfter * 1000, 5_000) : Math.min(250 * 2 ** attempt, 5_000));
      }
      return { ok: false, retryable: true, reason: `${problem} (after ${config.retries + 1} attempts)` };
    },
  };
}
