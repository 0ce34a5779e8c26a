import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import { classifyInfraError } from '../errors/infra.ts';
import type { Logger } from '../logging/logger.ts';
import { userText } from '../discord/text.ts';

/**
 * What a person sees when a command fails: the AppError's own message (it names the field and what is wrong), or
 * a reference they can give to whoever reads the logs. Never a stack trace.
 */
export function failureText(err: unknown, logger: Logger, context: Record<string, unknown>): string {
  const known = classifyInfraError(err);
  if (known instanceof AppError) return `⚠️ ${userText(known.message)}`;
  const ref = randomUUID().slice(0, 8);
  logger.error({ err: errorSummary(err), ref, ...context }, 'discord interaction failed');
  return `⚠️ Something went wrong inside backstop (reference ${ref}). Nothing was changed by this message; try again or use the CLI.`;
}

/** Errors from @discordjs/rest carry the request URL, which holds an interaction token: log only the safe parts. */
export function errorSummary(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; status?: unknown; method?: unknown };
  return { name: e.name, message: e.message, code: e.code, status: e.status, method: e.method, stack: e.stack };
}
