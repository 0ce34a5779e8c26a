import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/harness.ts';
import { REDIS_URL } from '../support/pg-admin.ts';
import { freePort } from '../support/processes.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// The README run as written: its "Run it" command starts backstop, and its "Drive a rollback with curl" block is run
// by bash, line for line. Only three things are changed, each so that the test can run beside others: the database
// (a fresh one, not the shared `postgres`), the port (a free one, not 3000) and the queue prefix. The rollback must
// end `succeeded`, as the README says it does.

const README = readFileSync('README.md', 'utf8');

/** The first ```sh block under the heading. */
function shBlock(heading: string): string {
  const at = README.indexOf(`\n## ${heading}\n`);
  if (at < 0) throw new Error(`README has no "## ${heading}" section`);
  const m = /```sh\n([\s\S]*?)```/.exec(README.slice(at));
  if (!m) throw new Error(`README's "${heading}" section has no sh block`);
  return m[1]!;
}

describe("the README's walkthrough, run verbatim", () => {
  let db: TestDatabase;
  let server: ChildProcess | undefined;
  let port: number;
  let output = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    port = await freePort();
    const start = shBlock('Run it').trim();
    // The one command: `npm ci && <env> npx backstop start`. npm ci has run already (it is how this test runs).
    expect(start).toMatch(/^npm ci && .*npx backstop start$/);
    const command = start.replace(/^npm ci && /, '').replace('DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres', `DATABASE_URL=${db.url}`);
    expect(command).toContain(`DATABASE_URL=${db.url}`);
    // Its own process group, so the whole tree (npx and the node it starts) is stopped at the end.
    server = spawn('bash', ['-c', command], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', PORT: String(port), REDIS_URL, BACKSTOP_QUEUE_PREFIX: `readme${randomBytes(3).toString('hex')}`, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    server.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await waitFor('backstop start to answer /health', async () => (await fetch(`http://localhost:${port}/health`).catch(() => null))?.ok, 60_000, 200).catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
  }, 90_000);

  afterAll(async () => {
    if (server?.pid) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => (server!.exitCode !== null || server!.signalCode !== null ? r(undefined) : server!.once('exit', r)));
    }
    await db?.drop();
  }, 60_000);

  it('ends in a succeeded rollback', async () => {
    const walkthrough = shBlock('Drive a rollback with curl').replaceAll('localhost:3000', `localhost:${port}`);
    expect(walkthrough).toContain('auto-rollback/check');
    // Run as written; then say which event it drove, so the test can follow it to the end. Its output goes to files,
    // as to a terminal: `tee /dev/stderr` cannot open a socket, which is what a piped child's stderr is.
    const dir = mkdtempSync(join(tmpdir(), 'backstop-readme-'));
    const [out, err] = [openSync(join(dir, 'stdout'), 'w'), openSync(join(dir, 'stderr'), 'w')];
    const walker = spawn('bash', ['-c', `${walkthrough}\necho "EVENT=$EVENT"`], { stdio: ['ignore', out, err] });
    const code = await new Promise<number | null>((r) => walker.once('exit', (c) => r(c)));
    closeSync(out);
    closeSync(err);
    const [stdout, stderr] = [readFileSync(join(dir, 'stdout'), 'utf8'), readFileSync(join(dir, 'stderr'), 'utf8')];
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    const eventId = /EVENT=([0-9a-f-]{36})/.exec(stdout)?.[1];
    expect(eventId, `${stdout}\n${stderr}`).toBeDefined();
    // The decision the README quotes: the seed's "propose" band, in the seed's words.
    expect(stderr).toContain('"decision":{"action":"propose","summary":"High error rate (3.2 errors/minute)"');
    // The check the README shows answers "roll back" for the same deployment, as the card does.
    expect(stdout).toMatch(/"should_rollback":true,"reason":"Unhealthy: High error rate \(3\.2 errors\/minute\)"/);

    const final = await waitFor('the rollback to end', async () => {
      const res = await fetch(`http://localhost:${port}/api/rollbacks/${eventId}`, { headers: { authorization: 'Bearer alice-token' } });
      const body = (await res.json()) as { status: string; status_reason: string | null };
      return ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'].includes(body.status) ? body : null;
    }, 90_000, 500);
    expect(final.status, `${JSON.stringify(final)}\n${output}`).toBe('succeeded');
  }, 180_000);
});
