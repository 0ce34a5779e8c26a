import { z } from 'zod';
import { formatIssues } from '../config/format-issues.ts';

// The queue contract: every job name with the schema its payload must match, checked on enqueue and on dequeue.
export const JOBS = {
  rollback: z.strictObject({ eventId: z.uuid() }),
} satisfies Record<string, z.ZodType>;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]>;

export const ROLLBACK_QUEUE = 'rollbacks';

/** BullMQ job ids must not be digits-only nor contain ':'; one id per rollback makes enqueue idempotent. */
export const rollbackJobId = (eventId: string) => `rb-${eventId}`;

export type ParsedJob<N extends JobName> = { ok: true; payload: JobPayload<N> } | { ok: false; problem: string };

export function parseJob<N extends JobName>(name: N, data: unknown): ParsedJob<N> {
  const parsed = JOBS[name].safeParse(data);
  if (parsed.success) return { ok: true, payload: parsed.data as JobPayload<N> };
  return { ok: false, problem: formatIssues(parsed.error).map((e) => `${e.path}: ${e.message}`).join('; ') };
}
