import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, withoutStaleBuildNote } from '../support/cli-process.ts';
import { startBackstop, testPolicy, TOKENS, type Backstop } from '../support/harness.ts';
import { freePort } from '../support/processes.ts';

// `backstop gate` as a CI job runs it: the built bin, output piped, the exit code deciding whether the deploy step
// runs. Once against a running backstop's API with a token (what a CI runner has), once against the database with
// the policy file, and once with backstop out of reach, where it must say "undecided" with its own exit code.

describe('backstop gate, in CI', () => {
  let b: Backstop;
  let viaApi: Record<string, string>;
  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { api: true, worker: false } });
    viaApi = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', BACKSTOP_URL: b.url, BACKSTOP_TOKEN: TOKENS.ci };
  });
  afterAll(async () => b?.close());

  it('exits 0 and says so when nothing is frozen, 1 with every reason when frozen, over the API and the database alike', async () => {
    const open = await cli(viaApi, 'gate', 'payments', 'staging', 'v2.0.0');
    expect({ code: open.code, stdout: open.stdout }).toEqual({ code: 0, stdout: 'allowed: payments v2.0.0 to staging: no freeze\n' });

    const freeze = await b.api('POST', '/api/freezes', 'ci', { service: 'payments', environment: 'staging', duration: '2h', reason: 'quarter close' });
    const frozen = await cli(viaApi, 'gate', 'payments', 'staging', 'v2.0.0');
    expect(frozen.code).toBe(1);
    expect(frozen.stdout).toBe(
      `denied: payments v2.0.0 to staging is frozen (1 reason); may go ahead at ${freeze.body.ends_at}\n` +
        `  - freeze: quarter close (set by ci; ends at ${freeze.body.ends_at}, or when lifted)\n`,
    );

    // The same words from the database, with the policy file instead of a token.
    const direct = await cli(b.childEnv, 'gate', 'payments', 'staging', 'v2.0.0');
    expect({ code: direct.code, stdout: direct.stdout }).toEqual({ code: 1, stdout: frozen.stdout });
    const json = await cli(viaApi, 'gate', 'payments', 'staging', 'v2.0.0', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ decision: 'deny', freezes: [expect.objectContaining({ kind: 'manual', reason: 'quarter close' })] });

    // The CLI lists and lifts it, as the API would.
    const listed = await cli(b.childEnv, 'freeze', 'list');
    expect(withoutStaleBuildNote(listed.stderr)).toBe('');
    expect(listed.stdout).toContain(`payments in staging:\n  - freeze: quarter close (set by ci; ends at ${freeze.body.ends_at}, or when lifted) [${freeze.body.freeze_id}]`);
    const lifted = await cli(b.childEnv, 'freeze', 'lift', freeze.body.freeze_id, '--as', 'oncall', '-r', 'closed early');
    expect(lifted.code, lifted.stderr).toBe(0);
    expect((await cli(viaApi, 'gate', 'payments', 'staging', 'v2.0.0')).code).toBe(0);
  });

  it('exits 7, undecided, when backstop or its database cannot be reached, so CI can choose to fail open or closed', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await cli({ ...viaApi, BACKSTOP_URL: nowhere }, 'gate', 'payments', 'staging', 'v2.0.0');
    expect(unreachable.code).toBe(7);
    expect(withoutStaleBuildNote(unreachable.stderr)).toMatch(new RegExp(`^undecided: cannot reach backstop at ${nowhere.replace(/[.:/]/g, '\\$&')} \\(ECONNREFUSED\\)\\n$`));

    const dbDown = await cli({ ...b.childEnv, DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/nope` }, 'gate', 'payments', 'staging', 'v2.0.0');
    expect(dbDown.code).toBe(7);
    expect(withoutStaleBuildNote(dbDown.stderr)).toMatch(/^undecided: cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(dbDown.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 with a clear line for a question that is wrong: an unknown service, a bad token', async () => {
    const unknown = await cli(viaApi, 'gate', 'nope', 'staging', 'v1');
    expect(unknown.code).toBe(1);
    expect(withoutStaleBuildNote(unknown.stderr)).toBe('error: UNKNOWN_SERVICE: service "nope" in environment "staging" is not configured in the policy file\n');
    const badToken = await cli({ ...viaApi, BACKSTOP_TOKEN: 'wrong' }, 'gate', 'payments', 'staging', 'v1');
    expect(badToken.code).toBe(1);
    expect(withoutStaleBuildNote(badToken.stderr)).toBe('error: UNAUTHORIZED: invalid token\n');
  });
});
