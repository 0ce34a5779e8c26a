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

/**
 * What is wrong with the database itself, as opposed to with one statement: unreachable, refusing the credentials,
 * missing, or without (or with older) backstop tables. Every process words these the same way (see classifyInfraError
 * and the CLI's describe-failure.ts), so `backstop start` and `backstop rollback history` say the same thing.
 */
export type DatabaseProblem =
  | { kind: 'unreachable'; code: string }
  | { kind: 'auth_failed'; code: string; message: string }
  | { kind: 'missing_database'; message: string }
  | { kind: 'unmigrated'; code: string; message: string }
  | { kind: 'outdated_schema'; message: string };

export function databaseProblemOf(err: unknown): DatabaseProblem | undefined {
  const pg = pgErrorOf(err);
  const message = pg?.message ?? '';
  switch (pg?.code) {
    case '3D000': // invalid_catalog_name: the database named in DATABASE_URL does not exist
      return { kind: 'missing_database', message };
    // undefined_table / undefined_schema: backstop's tables (schema ops) were never created here.
    case '42P01':
    case '3F000':
      return { kind: 'unmigrated', code: pg.code, message };
    case '42703': // undefined_column: the tables are older than this backstop (a migration is pending)
      return { kind: 'outdated_schema', message };
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification (no pg_hba.conf entry, unknown role)
      return { kind: 'auth_failed', code: pg.code, message };
  }
  const codes = codeChain(err);
  const code = codes.find((c) => PG_CONNECTION_CODES.has(c));
  if (code) return { kind: 'unreachable', code: /timeout exceeded when trying to connect/i.test(messageChain(err)) ? 'ETIMEDOUT' : code };
  return undefined;
}

function messageChain(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const c = cur as { message?: unknown; cause?: unknown };
    if (typeof c.message === 'string') parts.push(c.message);
    cur = c.cause;
  }
  return parts.join('\n');
}

// Turns an infrastructure failure into the 503-style AppError a caller can act on; anything else passes through.
export function classifyInfraError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const problem = databaseProblemOf(err);
  // Retryable: once someone runs `backstop migrate` (or creates the database), the same request succeeds. An unknown
  // column stays a 500 here: in a running process it is as likely a bug in a query as a migration not applied.
  if (problem?.kind === 'unmigrated' || problem?.kind === 'missing_database') {
    return new AppError('DATABASE_UNAVAILABLE', `${DATABASE_PROBLEM_TEXT[problem.kind]}: nothing was changed. Run \`backstop migrate\`.`, { retryable: true, cause: err });
  }
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

/** The words for a database that is there but not ready for backstop, without its address (an HTTP answer carries these). */
const DATABASE_PROBLEM_TEXT = {
  missing_database: 'The database does not exist',
  unmigrated: 'The database has no backstop tables',
} as const;
