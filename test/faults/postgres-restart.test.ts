import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, waitFor, type Backstop } from '../support/harness.ts';

// The shared PostgreSQL restarted while rollbacks run and requests arrive (this suite runs alone, after the main
// one). While it is down the API answers 503 with a clear message, never a 500; afterwards every admitted rollback
// ends final, executed once, and the API works again.

const SCRIPT = resolve('test/fixtures/rollback.sh');
const SERVICES = Array.from({ length: 6 }, (_, i) => `p${i}`);
const VERSION = readdirSync('/etc/postgresql')[0]!;
const pgctl = (action: 'stop' | 'start') => execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', VERSION, 'main', action], { stdio: 'ignore' });
const pgReady = () => {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
    return true;
  } catch {
    return false;
  }
};

describe('PostgreSQL restarted mid-flow', () => {
  let b: Backstop;
  let effects: string;

  beforeAll(async () => {
    effects = join(mkdtempSync(join(tmpdir(), 'backstop-pg-restart-')), 'effects.log');
    b = await startBackstop({
      policy: `
api: { tokens: { ci: { roles: [deployer] }, alice: { roles: [approver] }, viewer: { roles: [viewer] } } }
defaults: { rules: [], approvals: { required: 1 }, verification: { window: 200ms, interval: 100ms, on_no_data: pass } }
environments: { prod: {} }
services:
${SERVICES.map((s) => `  ${s}: { environments: [prod], executor: { kind: command, argv: ${JSON.stringify([SCRIPT, effects, '1.5'])}, timeout: 30s } }`).join('\n')}
`,
    });
  });
  afterAll(async () => {
    // Whatever happened, leave PostgreSQL running for whatever comes next.
    if (!pgReady()) pgctl('start');
    await waitFor('PostgreSQL', async () => pgReady(), 30_000);
    await b?.close();
  });

  it('answers 503 while it is down and finishes every rollback once it is back', async () => {
    const bad: string[] = [];
    for (const service of SERVICES) {
      for (const [version, good] of [['v1', true], ['v2', false]] as const) {
        const id = (await b.api('POST', '/api/deployments', 'ci', { service, environment: 'prod', version, git_commit: 'abc1234' })).body.deployment_id as string;
        await b.api('POST', `/api/deployments/${id}/complete`, 'ci', { status: good ? 'success' : 'failed', health_check_passed: good });
        if (!good) bad.push(id);
      }
    }
    const admitted = await Promise.all(bad.map((id) => b.api('POST', '/api/rollbacks', 'alice', { deployment_id: id, trigger_reason: 'postgres restart' })));
    for (const r of admitted) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const events = admitted.map((r) => r.body.event_id as string);
    // Executors are running (their side effect is 1.5 s away): take the database away.
    await new Promise((r) => setTimeout(r, 700));
    pgctl('stop');
    const duringStatuses: number[] = [];
    const messages = new Set<string>();
    for (let i = 0; i < 5; i++) {
      for (const r of [await b.api('GET', '/health', null), await b.api('POST', '/api/deployments', 'ci', { service: 'p0', environment: 'prod', version: `down${i}`, git_commit: 'abc1234' })]) {
        duringStatuses.push(r.status);
        if (r.body?.error?.message) messages.add(r.body.error.message);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    pgctl('start');
    await waitFor('PostgreSQL', async () => pgReady(), 30_000);
    expect(duringStatuses.every((s) => s === 503), JSON.stringify(duringStatuses)).toBe(true);

    await waitFor('every rollback to end', async () => {
      const rows = await b.running.deps.pool.query(`select count(*)::int as n from ops.rollback_events where event_id = any($1::uuid[]) and status in ('succeeded', 'failed')`, [events]);
      return rows.rows[0].n === events.length;
    }, 120_000, 500);
    await new Promise((r) => setTimeout(r, 2_000));
    const lines = readFileSync(effects, 'utf8').trim().split('\n');
    const perEvent = new Map<string, number>();
    for (const l of lines) perEvent.set(l.split(' ')[0]!, (perEvent.get(l.split(' ')[0]!) ?? 0) + 1);
    const doubles = [...perEvent.values()].filter((n) => n > 1).length;
    const statuses = await b.running.deps.pool.query(`select status, count(*)::int as n from ops.rollback_events where event_id = any($1::uuid[]) group by status`, [events]);
    const after = await b.api('GET', '/health', null);
    expect(after.status).toBe(200);
    console.log(`restarted PostgreSQL mid-flow: ${events.length}/${events.length} rollbacks final (${statuses.rows.map((r) => `${r.n} ${r.status}`).join(', ')}); ${doubles} double executions; ${duringStatuses.length} calls while down all 503 (${[...messages].join(' | ')})`);
    expect(doubles).toBe(0);
  }, 240_000);
});
