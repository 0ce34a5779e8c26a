// The deploy gate's latency: GET /api/gate as CI asks it before every deploy, against GET /health through the same
// server, token check and connection as the floor. Measured on a service with nothing frozen, and on one frozen by a
// freeze set by hand, an active rollback and a scheduled window, for a version that is quarantined, so every part of
// the one statement and the judgment does work. Target: the gate adds under 5 ms at p99.
// Usage: node bin/run-ts.mjs bench/gate.ts [requests]
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../src/config/load.ts';
import { createLogger } from '../src/logging/logger.ts';
import { parseEnv } from '../src/main/env.ts';
import { runRoles } from '../src/main/roles.ts';
import { DATASETS, pct, REDIS, round, runBench, withBenchDatabase, type Dataset } from './support.ts';

const REQUESTS = Number(process.argv[2] ?? 2_000);
const TOKEN = 'bench-token';

async function timeEach(n: number, fn: () => Promise<void>): Promise<{ p50_ms: number; p99_ms: number }> {
  for (let i = 0; i < 50; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { p50_ms: round(pct(ms, 50)), p99_ms: round(pct(ms, 99)) };
}

async function main(url: string, dataset: Dataset) {
  const env = parseEnv({ DATABASE_URL: url, REDIS_URL: REDIS, BACKSTOP_QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}`, PORT: '0', HOST: '127.0.0.1', BACKSTOP_TOKEN_CI: TOKEN });
  // The year's services (svc-000 … svc-199 in three environments) when the dataset has them, so the gate reads a year
  // of their deployments; a window that is always open freezes svc-001.
  const config = parseConfig(`
api: { tokens: { ci: { roles: [deployer] } } }
environments: { production: {}, staging: {}, development: {} }
freezes:
  - { name: always, rrule: "FREQ=DAILY;BYHOUR=0;BYMINUTE=0", time_zone: UTC, duration: 24h, reason: bench window, services: [svc-001] }
services:
${Array.from({ length: 200 }, (_, i) => `  svc-${String(i).padStart(3, '0')}: { environments: [production, staging, development], executor: { kind: command, argv: ["true"] } }`).join('\n')}
`);
  if (!env.ok || !config.ok) throw new Error(`bench setup is invalid: ${JSON.stringify(!env.ok ? env.errors : !config.ok ? config.errors : '')}`);
  const running = await runRoles({ env: env.env, config: config.config, logger: createLogger({ level: 'error' }) }, { api: true, worker: false, gateway: false });
  const base = `http://127.0.0.1:${(running.server!.address() as AddressInfo).port}`;
  const get = (path: string, status = 200) => async () => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (res.status !== status) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  const pool = running.deps.pool;
  try {
    // svc-001 in production: frozen by hand, by a rollback awaiting approval, by the window; v-bad is quarantined.
    const [from] = (
      await pool.query(
        `insert into ops.deployments (service, environment, version, git_commit, status, quarantined) values ('svc-001', 'production', 'v-bad', 'abcdef1234', 'rolled_back', true) returning deployment_id`,
      )
    ).rows;
    await pool.query(
      `insert into ops.rollback_events (event_id, deployment_id, service, environment, trigger_type, trigger_reason, status, approvals_required)
       values (gen_random_uuid(), $1, 'svc-001', 'production', 'manual', 'bench', 'awaiting_approval', 1)`,
      [from.deployment_id],
    );
    await pool.query(`insert into ops.freezes (service, environment, reason, set_by, ends_at) values ('svc-001', 'production', 'bench freeze', 'bench', now() + interval '1 day')`);

    const health = await timeEach(REQUESTS, get('/health'));
    const open = await timeEach(REQUESTS, get('/api/gate?service=svc-002&environment=production&version=v9.9'));
    const frozen = await timeEach(REQUESTS, get('/api/gate?service=svc-001&environment=production&version=v-bad&commit=abcdef1234'));
    const added = Math.max(open.p99_ms, frozen.p99_ms) - health.p99_ms;
    const results = { 'floor: GET /health': health, 'gate: nothing frozen': open, 'gate: 4 freezes, quarantined': frozen };
    console.log(JSON.stringify({ dataset, bench: 'gate', requests: REQUESTS, results, added_p99_ms: round(added), target: 'the gate adds < 5 ms at p99', met: added < 5 }));
    console.table(results);
  } finally {
    await running.close();
  }
}

runBench(async () => {
  for (const dataset of DATASETS) await withBenchDatabase((url) => main(url, dataset), dataset);
});
