import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewindChainHeads } from '../support/audit-subjects.ts';
import { cli, withoutStaleBuildNote } from '../support/cli-process.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';
import { freePort } from '../support/processes.ts';
import { sampleValue, scrape, startRole, stopRole, type RoleProcess } from '../support/role-process.ts';

// Signed audit checkpoints as an operator sets them up: `audit keygen` prints the two environment lines, a worker with
// the private key signs the chain heads into a file (and to an HTTP sink that is down, which must not stop the file),
// and `audit verify` with the public key proves the log against the newest one, truncation and a foreign key included.
describe('audit checkpoints, from keygen to verify', () => {
  let b: Backstop;
  let worker: RoleProcess | undefined;
  let dir: string;
  let file: string;
  let keys: { key_id: string; private_key: string; public_key: string };
  let pool: pg.Pool;
  const lines = () => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  const verify = (extra: Record<string, string> = {}, ...args: string[]) =>
    cli({ ...b.childEnv, BACKSTOP_AUDIT_CHECKPOINT_FILE: file, BACKSTOP_AUDIT_PUBLIC_KEY: keys.public_key, ...extra }, 'audit', 'verify', ...args);

  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }) });
    pool = new pg.Pool({ connectionString: b.db.url, max: 2 });
    dir = mkdtempSync(join(tmpdir(), 'backstop-checkpoints-'));
    file = join(dir, 'checkpoints.jsonl');
    const keygen = await cli(b.childEnv, 'audit', 'keygen', '--json');
    expect(keygen.code, keygen.stderr).toBe(0);
    keys = JSON.parse(keygen.stdout);
    // Audit rows, the way they come: a deployment recorded by CI.
    const dep = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version: 'v1', git_commit: 'abc1234' });
    expect(dep.status).toBe(201);
    const port = await freePort();
    worker = await startRole(
      'worker',
      {
        ...b.childEnv,
        BACKSTOP_METRICS_PORT: String(port),
        BACKSTOP_AUDIT_SIGNING_KEY: keys.private_key,
        BACKSTOP_AUDIT_CHECKPOINT_FILE: file,
        BACKSTOP_AUDIT_CHECKPOINT_URL: 'http://127.0.0.1:1/checkpoints',
        LOG_LEVEL: 'info',
      },
      port,
    );
  }, 90_000);
  afterAll(async () => {
    await stopRole(worker);
    await pool?.end();
    await b?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a worker signs a checkpoint at once, even with its HTTP sink down, and verify matches the log against it', async () => {
    await waitFor('the first checkpoint in the file', async () => {
      try {
        return lines().length >= 1;
      } catch {
        return false; // not written yet
      }
    }, 30_000);
    const text = await waitFor('the HTTP sink failure counted', async () => {
      const t = await scrape(worker!);
      return (sampleValue(t, 'backstop_audit_checkpoint_failures_total', { sink: 'http' }) ?? 0) >= 1 ? t : null;
    }, 30_000);
    expect(sampleValue(text, 'backstop_audit_checkpoint_rows', {})).toBeGreaterThan(0);
    expect(sampleValue(text, 'backstop_audit_checkpoint_failures_total', { sink: 'file' })).toBe(0);

    const run = await verify();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^  matches the signed checkpoint of \\S+ \\([\\d.]+ (ms|s) old, key ${keys.key_id}, \\d+ rows?\\)`, 'm'));
  }, 60_000);

  it('the worker signs once more as it stops, covering the rows written since', async () => {
    const before = lines().length;
    const dep = await b.api('POST', '/api/deployments', 'ci', { service: 'payments', environment: 'staging', version: 'v2', git_commit: 'abc1235' });
    expect(dep.status).toBe(201);
    const { rows: total } = (await pool.query<{ rows: number }>(`select sum(row_count)::int as rows from ops.audit_chain_heads`)).rows[0]!;
    await stopRole(worker);
    worker = undefined;
    const all = lines();
    expect(all.length).toBeGreaterThan(before);
    expect(JSON.parse(all.at(-1)!).checkpoint.rows).toBe(total);
    const run = await verify();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('; it covers every row');
  }, 60_000);

  it('a deleted newest row, heads rewound to hide it, is found against the checkpoint and exits 1', async () => {
    await pool.query(`create table public.saved_log as select * from ops.audit_log; create table public.saved_heads as select * from ops.audit_chain_heads`);
    try {
      const newest = (await pool.query<{ id: number; chain: number }>(`select id::int, chain from ops.audit_log order by id desc limit 1`)).rows[0]!;
      await pool.query(`delete from ops.audit_log where id = $1`, [newest.id]);
      await rewindChainHeads(pool);
      const chainOnly = await verify({ BACKSTOP_AUDIT_CHECKPOINT_FILE: '' });
      expect(chainOnly.code).toBe(0); // what the attacker counts on; the answer says what it did not check
      expect(chainOnly.stdout).toContain('no checkpoint checked: a log truncated or replaced together with its chain heads would look intact');
      const run = await verify();
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`audit chain BROKEN at row ${newest.id}: row ${newest.id} of chain ${newest.chain}, which the checkpoint of \\S+ signed as its newest, is gone: the log was truncated or replaced`));
    } finally {
      await pool.query(`truncate ops.audit_log; insert into ops.audit_log select * from public.saved_log; truncate ops.audit_chain_heads; insert into ops.audit_chain_heads select * from public.saved_heads; drop table public.saved_log, public.saved_heads`);
    }
  }, 60_000);

  it('a checkpoint from another key, an altered one, and an unreadable one are each named, never "intact"', async () => {
    const other = JSON.parse((await cli(b.childEnv, 'audit', 'keygen', '--json')).stdout) as typeof keys;
    const foreign = await verify({ BACKSTOP_AUDIT_PUBLIC_KEY: other.public_key });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain(`was signed by another key (key ${keys.key_id}; this key is ${other.key_id})`);

    const altered = join(dir, 'altered.jsonl');
    const newest = JSON.parse(lines().at(-1)!);
    writeFileSync(altered, `${JSON.stringify({ ...newest, checkpoint: { ...newest.checkpoint, rows: newest.checkpoint.rows + 1 } })}\n`);
    const forged = await verify({}, '--checkpoint', altered);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain('has a bad signature: it was altered after it was signed, or forged');

    const missing = await verify({}, '--checkpoint', join(dir, 'nowhere.jsonl'));
    expect(missing.code).toBe(1);
    expect(withoutStaleBuildNote(missing.stderr)).toBe(`audit verify: cannot read ${join(dir, 'nowhere.jsonl')}: no such file\n`);
  }, 60_000);
});
