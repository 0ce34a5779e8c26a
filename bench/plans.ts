// Query plans on a generated year: runs what a day of backstop does (record deployments, push samples, judge them,
// request, approve and execute a rollback, tick the monitor, end watches, read history, check a deployment, verify
// the audit log) through the real core, records every SQL statement it sent with its parameters, and prints
// EXPLAIN (ANALYZE, BUFFERS) of each distinct one. Writes are explained inside a transaction that is rolled back.
// A sequential scan of a growing table (samples, rollbacks, audit rows, decisions, deployments, snapshots, votes) fails
// the bench. Usage: node bin/run-ts.mjs bench/plans.ts
import { randomBytes } from 'node:crypto';
import { decideRollback } from '../src/admission/decide-rollback.ts';
import { requestRollback } from '../src/admission/request-rollback.ts';
import { verifyAuditChain } from '../src/audit/verify-audit.ts';
import { parseConfig } from '../src/config/load.ts';
import type { Role } from '../src/config/schema.ts';
import { findHistory, getEvent, isFinal } from '../src/db/queries/rollback-events.ts';
import { completeDeployment, recordDeployment } from '../src/deployments/record-deployment.ts';
import { recordHealthSample } from '../src/deployments/record-facts.ts';
import type { Executor } from '../src/executors/types.ts';
import { startRollbackWorker } from '../src/jobs/rollback-worker.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createAppDeps } from '../src/main/deps.ts';
import { parseEnv } from '../src/main/env.ts';
import { evaluateOnArrival, runTick } from '../src/monitor/run-tick.ts';
import { checkDeployment } from '../src/views/check-deployment.ts';
import { countStatements, type SentStatement } from '../test/support/statement-counter.ts';
import { explainSent, REDIS, reportPlans, runBench, withBenchDatabase } from './support.ts';

async function dayOfWork(url: string): Promise<SentStatement[]> {
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const env = parseEnv({ DATABASE_URL: url, REDIS_URL: REDIS, BACKSTOP_QUEUE_PREFIX: prefix });
  const config = parseConfig(`
monitoring: { watch_window: 1h }
environments: { production: { approvals: { required: 2 } }, staging: {}, development: {} }
defaults: { verification: { window: 0ms, interval: 10ms, on_no_data: pass } }
services:
${Array.from({ length: 200 }, (_, i) => `  svc-${String(i).padStart(3, '0')}: { environments: [production, staging, development], executor: { kind: command, argv: ["true"] } }`).join('\n')}
`);
  if (!env.ok || !config.ok) throw new Error('bench setup is invalid');
  const base = createAppDeps({ env: env.env, config: config.config, logger: createLogger({ level: 'error' }), baseEnv: {} });
  let executed: (() => void) | undefined;
  const recorder: Executor = { kind: 'recorder', resumable: true, execute: async () => (executed?.(), { ok: true, summary: 'recorded' }) };
  const deps = { ...base, executorFor: () => recorder };
  const counter = countStatements(deps.pool);
  const worker = startRollbackWorker(deps, deps.rollbackQueue, { redisUrl: REDIS, prefix, concurrency: 5, lockDurationMs: 30_000, stalledIntervalMs: 30_000, reconcileIntervalMs: 60_000 }, deps.abort);
  const person = (id: string) => ({ id, roles: new Set<Role>(['approver', 'deployer']), source: 'discord' as const });
  try {
    const ci = { id: 'ci', roles: new Set<Role>(['deployer']), source: 'api' as const };
    const { deployment: bad } = await recordDeployment(deps, ci, { service: 'svc-042', environment: 'production', version: 'v9.9.9', git_commit: 'bad1234' });
    await completeDeployment(deps, ci, bad.deploymentId, { status: 'success', health_check_passed: true });
    await recordHealthSample(deps, bad.deploymentId, { error_rate_per_minute: 0.4 });
    await evaluateOnArrival(deps, bad.deploymentId);
    await checkDeployment(deps, bad.deploymentId);
    const req = await requestRollback(deps, { deploymentId: bad.deploymentId, reason: 'errors since the deploy', triggerType: 'manual', requester: person('discord:1') });
    if (req.kind !== 'admitted') throw new Error(`request not admitted: ${req.kind}`);
    const done = new Promise<void>((r) => (executed = r));
    await decideRollback(deps, { eventId: req.event.eventId, actor: person('discord:2'), decision: 'approve', reason: 'agreed' });
    await decideRollback(deps, { eventId: req.event.eventId, actor: person('discord:3'), decision: 'approve', reason: 'agreed' });
    await done;
    for (;;) {
      const e = await getEvent(deps.db, req.event.eventId);
      if (e && isFinal(e.status)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await runTick(deps);
    await findHistory(deps.db, { limit: 20 });
    await findHistory(deps.db, { limit: 20, service: 'svc-007', status: 'succeeded' });
    // The audit walk pages through the whole log; one page is enough to see its plan.
    await verifyAuditChain(deps.db, { batchSize: 5_000 }).catch(() => undefined);
  } finally {
    await worker.close();
    await deps.close();
  }
  return counter.sent;
}

runBench(async () => {
  await withBenchDatabase(async (url) => {
    const sent = await dayOfWork(url);
    const plans = await explainSent(url, sent);
    const clean = reportPlans(plans);
    const scans = plans.filter((p) => p.seqScans.length);
    console.log(JSON.stringify({ bench: 'plans', dataset: 'year', statements_sent: sent.length, distinct_queries: plans.length, slowest_ms: plans[0]?.ms, seq_scans_of_growing_tables: scans.map((p) => ({ query: p.label, tables: p.seqScans })), met: clean }));
    if (!clean) process.exitCode = 1;
  }, 'year');
});
