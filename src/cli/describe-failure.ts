import { AppError } from '../errors/app-error.ts';
import { databaseProblemOf, type DatabaseProblem } from '../errors/infra.ts';
import { maskUrlCredentials } from '../logging/logger.ts';

/**
 * One line for a command that failed: what is wrong and what to do, never a stack trace. Problems with the database
 * itself name the server and the database (the password masked), since "which database?" is the first question.
 */
export function describeFailure(err: unknown, databaseUrl: string): string {
  const problem = databaseProblemOf(err);
  if (problem && (problem.kind !== 'unreachable' || isAboutPostgres(err, databaseUrl))) return describeDatabaseProblem(problem, databaseUrl);
  if (err instanceof AppError) return `error (${err.code}): ${maskUrlCredentials(err.message)}`;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? ` (${e.code})` : '';
  return `error${code}: ${maskUrlCredentials(typeof e?.message === 'string' ? e.message : String(err))}`;
}

export function describeDatabaseProblem(problem: DatabaseProblem, databaseUrl: string): string {
  const { server, database, shown } = whereIs(databaseUrl);
  switch (problem.kind) {
    case 'unreachable':
      return `cannot reach PostgreSQL at ${server} (${problem.code}): is it running? DATABASE_URL=${shown}`;
    case 'auth_failed':
      return `PostgreSQL at ${server} refused the connection (${problem.code}: ${problem.message}): check the user and password in DATABASE_URL=${shown}`;
    case 'missing_database':
      return `the database "${database}" does not exist on ${server}: \`backstop migrate\` creates it and its tables (DATABASE_URL=${shown})`;
    case 'unmigrated':
      return `the database "${database}" on ${server} has no backstop tables: run \`backstop migrate\` (DATABASE_URL=${shown}; ${problem.code}: ${problem.message})`;
    case 'outdated_schema':
      return `the database "${database}" on ${server} has backstop tables older than this backstop: run \`backstop migrate\` (DATABASE_URL=${shown}; ${problem.message})`;
  }
}

/** The server and database a postgres:// URL names, and the URL itself with its password masked (the user stays). */
export function whereIs(databaseUrl: string): { server: string; database: string; shown: string } {
  try {
    const url = new URL(databaseUrl);
    const server = `${url.hostname || 'localhost'}:${url.port || '5432'}`;
    const database = decodeURIComponent(url.pathname.slice(1)) || url.username || 'postgres';
    if (url.password) url.password = '***';
    return { server, database, shown: url.toString() };
  } catch {
    return { server: 'the server in DATABASE_URL', database: '?', shown: maskUrlCredentials(databaseUrl) };
  }
}

/**
 * A refused connection is PostgreSQL's only when it was to PostgreSQL's port: Redis refuses with the same codes. An
 * error without an address (one wrapped in a sentence) is PostgreSQL's unless the sentence names Redis.
 */
function isAboutPostgres(err: unknown, databaseUrl: string): boolean {
  const ports: number[] = [];
  const texts: string[] = [];
  const walk = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || depth > 5) return;
    const x = e as { port?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof x.port === 'number') ports.push(x.port);
    if (typeof x.message === 'string') texts.push(x.message);
    if (Array.isArray(x.errors)) for (const inner of x.errors) walk(inner, depth + 1);
    walk(x.cause, depth + 1);
  };
  walk(err, 0);
  if (ports.length) return ports.includes(Number(whereIs(databaseUrl).server.split(':').at(-1)));
  return !/redis/i.test(texts.join('\n'));
}
