import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { findFreezeCardsBehind } from '../../src/db/queries/freeze-messages.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { deservesGithubCard, githubCardState } from '../../src/notify/discord/cards/github-card.ts';
import { trackClose } from '../support/leaks/track.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// The delivery sweep's read for GitHub deployments, against PostgreSQL: which held deployments have no card yet, and
// which cards show a state their row has left. The SQL mirrors deservesGithubCard and githubCardState, so each case
// is checked against those too.

const NOW = new Date('2026-11-22T14:00:00.000Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000);
const WINDOW = { from: ago(3600), to: ago(5), now: NOW };

interface Case {
  what: string;
  row: { state: string; commentedAt: Date | null; attempts: number; lastError: string | null; answeredAt: Date | null; receivedAt: Date };
  /** The state its card shows; undefined: no card yet. */
  shown?: string;
  behind: boolean;
}

const held = { state: 'waiting', commentedAt: ago(60), attempts: 1, lastError: null, answeredAt: null, receivedAt: ago(60) };
const CASES: Case[] = [
  { what: 'held, no card yet', row: held, behind: true },
  { what: 'held, its card shows it', row: held, shown: 'waiting', behind: false },
  { what: 'held for two hours, no card yet', row: { ...held, receivedAt: ago(7200) }, behind: true },
  { what: 'held a second ago: left to the live path', row: { ...held, receivedAt: ago(1) }, behind: false },
  { what: 'approved at once', row: { ...held, state: 'approved', commentedAt: null, answeredAt: ago(60) }, behind: false },
  { what: 'approved after waiting, no card yet', row: { ...held, state: 'approved', attempts: 2, answeredAt: ago(30) }, behind: true },
  { what: 'approved after waiting, its card still waiting', row: { ...held, state: 'approved', attempts: 2, answeredAt: ago(30) }, shown: 'waiting', behind: true },
  { what: 'approved a second ago: left to the live path', row: { ...held, state: 'approved', attempts: 2, answeredAt: ago(1) }, shown: 'waiting', behind: false },
  { what: 'approved, its card says so', row: { ...held, state: 'approved', attempts: 2, answeredAt: ago(30) }, shown: 'approved', behind: false },
  { what: 'GitHub failing three times, its card still waiting', row: { ...held, attempts: 3, lastError: 'GitHub answered 502' }, shown: 'waiting', behind: true },
  { what: 'GitHub failing twice, its card waiting', row: { ...held, attempts: 2, lastError: 'GitHub answered 502' }, shown: 'waiting', behind: false },
  { what: 'GitHub answering again, its card says it was not', row: { ...held, attempts: 4 }, shown: 'unanswered', behind: true },
  { what: 'refused by GitHub at once, no card yet', row: { ...held, state: 'failed', commentedAt: null, lastError: 'GitHub answered 422' }, behind: true },
  { what: 'refused by GitHub after waiting, its card still waiting', row: { ...held, state: 'failed', attempts: 2, lastError: 'GitHub answered 422' }, shown: 'waiting', behind: true },
];

describe('findFreezeCardsBehind for GitHub deployments', () => {
  let tdb: TestDatabase;
  let database: Database;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    tdb = await createTestDatabase();
    database = trackClose(`github-cards-behind (${tdb.name})`, createDatabase(tdb.url, createLogger({ level: 'silent', name: 'github-cards-behind' }), { max: 2 }));
    for (const [i, c] of CASES.entries()) {
      const r = c.row;
      const { rows } = await database.pool.query(
        `insert into ops.github_protection_requests (delivery_id, repository, github_environment, service, environment, version, sha, callback_url, installation_id, state, commented_at, answered_at, attempts, last_error, received_at)
         values ($1, 'acme/payments', 'prod', 'payments', 'production', 'abc', 'abc', 'https://api.github.com/repos/acme/payments/actions/runs/1/deployment_protection_rule', '1', $2, $3, $4, $5, $6, $7) returning request_id`,
        [`d-${i}`, r.state, r.commentedAt, r.answeredAt, r.attempts, r.lastError, r.receivedAt],
      );
      ids.set(c.what, rows[0].request_id);
      if (c.shown) await database.pool.query(`insert into ops.freeze_messages (github_request_id, channel_id, message_id, rendered_state) values ($1, 'c', $2, $3)`, [rows[0].request_id, `m-${i}`, c.shown]);
    }
  });
  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
  });

  it.each(CASES)('$what: behind $behind', async (c) => {
    const behind = await findFreezeCardsBehind(database.db, WINDOW, 100);
    expect(behind.some((s) => s.kind === 'github' && s.id === ids.get(c.what))).toBe(c.behind);
  });

  it.each(CASES.filter((c) => c.row.receivedAt <= WINDOW.to && (c.row.answeredAt === null || c.row.answeredAt <= WINDOW.to)))('$what: says what the card functions say', (c) => {
    const wouldBeBehind = deservesGithubCard(c.row) && (c.shown === undefined || (['waiting', 'unanswered'].includes(c.shown) && githubCardState(c.row) !== c.shown));
    expect(wouldBeBehind).toBe(c.behind);
  });

  it('refuses a message for two subjects at once', async () => {
    const freeze = await database.pool.query(`insert into ops.freezes (service, environment, reason, set_by, starts_at, ends_at) values ('payments', 'production', 'x', 'a', now(), now() + interval '1 hour') returning freeze_id`);
    await expect(
      database.pool.query(`insert into ops.freeze_messages (freeze_id, github_request_id, channel_id, message_id, rendered_state) values ($1, $2, 'c', 'm-two', 'active')`, [freeze.rows[0].freeze_id, ids.get('held, no card yet')]),
    ).rejects.toThrow(/freeze_messages_one_subject/);
  });
});
