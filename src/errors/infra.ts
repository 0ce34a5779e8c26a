import { AppError } from './app-error.ts';

const PG_CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08000', '08001', '08003', '08006']);

// drizzle wraps driver errors; the pg error (with .code and .constraint) sits on .cause.
export function pgErrorOf(err: unknown): { code?: string; constraint?: string; message?: string } | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    const c = cur as { code?: unknown; constraint?: unknown; cause?: unknown; message?: unknown };
    if (typeof c.code === 'string' && /^[0-9A-Z]{5}$/.test(c.code)) {
      return { code: c.code, constraint: c.constraint as string | undefined, message: c.message as string | undefined };
    }
    cur = c.cause;
  }
  return undefined;
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const pg = pgErrorOf(err);
  return pg?.code === '23505' && (constraint === undefined || pg.constraint === constraint);
}

function codeChain(err: unknown): string[] {
  const codes: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const c = cur as { code?: unknown; cause?: unknown; errors?: unknown[]; message?: unknown };
    if (typeof c.code === 'string') codes.push(c.code);
    if (typeof c.message === 'string' && /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|is not queryable|terminating connection/i.test(c.message)) {
      codes.push('ECONNREFUSED');
    }
    if (Array.isArray(c.errors)) for (const e of c.errors) codes.push(...codeChain(e));
    cur = c.cause;
  }
  return codes;
}

export function isDatabaseUnavailable(err: unknown): boolean {
  return codeChain(err).some((c) => PG_CONNECTION_CODES.has(c));
}

// Turns an infrastructure failure into the 503-style AppError a caller can act on; anything else passes through.
export function classifyInfraError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) {
    return new AppError('DATABASE_UNAVAILABLE', 'The database is unreachable; nothing was changed. Try again shortly.', {
      retryable: true,
      cause: err,
    });
  }
  const msg = (err as { message?: unknown })?.message;
  if (typeof msg === 'string' && /Connection is closed|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED.*6379|Reached the max retries/i.test(msg)) {
    return new AppError('QUEUE_UNAVAILABLE', 'The job queue (Redis) is unreachable. Try again shortly.', {
      retryable: true,
      cause: err,
    });
  }
  return err;
}
