import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../../src/cli/describe-failure.ts';
import { AppError } from '../../../src/errors/app-error.ts';
import { classifyInfraError } from '../../../src/errors/infra.ts';
import { DEFAULT_DATABASE_URL } from '../../../src/main/env.ts';

// drizzle wraps the driver's error: the PostgreSQL code sits on .cause, under "Failed query: <the whole SQL>".
const wrapped = (cause: object) => Object.assign(new Error('Failed query: select "id", "event_id" from "ops"."rollback_events"\nparams: 10'), { cause });
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
const URL = 'postgres://ops:s3cret@db.internal:6543/backstop';

describe('describeFailure', () => {
  const cases: Array<[string, unknown, string]> = [
    ['refused', wrapped(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:6543'), { code: 'ECONNREFUSED', address: '10.0.0.5', port: 6543 })), 'cannot reach PostgreSQL at db.internal:6543 (ECONNREFUSED): is it running? DATABASE_URL=postgres://ops:***@db.internal:6543/backstop'],
    ['a pool timeout', new Error('timeout exceeded when trying to connect'), 'cannot reach PostgreSQL at db.internal:6543 (ETIMEDOUT): is it running? DATABASE_URL=postgres://ops:***@db.internal:6543/backstop'],
    ['no such database', pgError('3D000', 'database "backstop" does not exist'), 'the database "backstop" does not exist on db.internal:6543: `backstop migrate` creates it and its tables (DATABASE_URL=postgres://ops:***@db.internal:6543/backstop)'],
    ['no tables', wrapped(pgError('42P01', 'relation "ops.rollback_events" does not exist')), 'the database "backstop" on db.internal:6543 has no backstop tables: run `backstop migrate` (DATABASE_URL=postgres://ops:***@db.internal:6543/backstop; 42P01: relation "ops.rollback_events" does not exist)'],
    ['no schema', wrapped(pgError('3F000', 'schema "ops" does not exist')), 'the database "backstop" on db.internal:6543 has no backstop tables: run `backstop migrate` (DATABASE_URL=postgres://ops:***@db.internal:6543/backstop; 3F000: schema "ops" does not exist)'],
    ['older tables', wrapped(pgError('42703', 'column "claim_fence" does not exist')), 'the database "backstop" on db.internal:6543 has backstop tables older than this backstop: run `backstop migrate` (DATABASE_URL=postgres://ops:***@db.internal:6543/backstop; column "claim_fence" does not exist)'],
    ['a wrong password', pgError('28P01', 'password authentication failed for user "ops"'), 'PostgreSQL at db.internal:6543 refused the connection (28P01: password authentication failed for user "ops"): check the user and password in DATABASE_URL=postgres://ops:***@db.internal:6543/backstop'],
    ['Redis refusing is not PostgreSQL', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 6379 }), 'error (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:6379'],
    ['nor is a sentence about Redis', new Error('backstop demo needs Redis (REDIS_URL redis://127.0.0.1:6379): connect ECONNREFUSED 127.0.0.1:6379'), 'error: backstop demo needs Redis (REDIS_URL redis://127.0.0.1:6379): connect ECONNREFUSED 127.0.0.1:6379'],
    ['an expected refusal', new AppError('NOT_FOUND', 'rollback 1 not found'), 'error (NOT_FOUND): rollback 1 not found'],
    ['anything else, credentials masked', new Error('cannot open redis://user:pw@cache:6379'), 'error: cannot open redis://***@cache:6379'],
  ];
  it.each(cases)('%s', (_name, err, line) => {
    expect(describeFailure(err, URL)).toBe(line);
    expect(describeFailure(err, URL)).not.toContain('s3cret');
  });
});

describe('classifyInfraError', () => {
  it('answers every process alike: no tables is a 503 that says to migrate, without the server', () => {
    const err = classifyInfraError(wrapped(pgError('42P01', 'relation "ops.deployments" does not exist')));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'DATABASE_UNAVAILABLE', httpStatus: 503, message: 'The database has no backstop tables: nothing was changed. Run `backstop migrate`.' });
  });
});

describe('the default database', () => {
  it('is the one README tells a newcomer to use', () => {
    const readme = readFileSync('README.md', 'utf8');
    // Every URL a command line names (an error message's masked one aside) is the default.
    const named = [...readme.matchAll(/DATABASE_URL=(postgres:\/\/\S+)/g)].map((m) => m[1]).filter((url) => !url!.includes('***'));
    expect(named.length).toBeGreaterThan(0);
    expect(new Set(named)).toEqual(new Set([DEFAULT_DATABASE_URL]));
    expect(readme).toContain(`\`DATABASE_URL\` (default \`${DEFAULT_DATABASE_URL}\``);
  });
});
