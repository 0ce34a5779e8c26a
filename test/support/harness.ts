import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config/load.ts';
import { parseEnv } from '../../src/main/env.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { runRoles, type RoleSet, type RunningRoles } from '../../src/main/roles.ts';
import type { HealthNotice, Notice, Notifier } from '../../src/notify/notifier.ts';
import { track, trackQueuePrefix } from './leaks/track.ts';
import { captureLogs, type LogRecord } from './log-capture.ts';
import { REDIS_URL } from './pg-admin.ts';
import { createTestDatabase, type TestDatabase } from './test-db.ts';

export const TOKENS = { ci: 'ci-secret-token', alice: 'alice-secret-token', bob: 'bob-secret-token', carol: 'carol-secret-token', gateway: 'gateway-secret-token', viewer: 'viewer-secret-token' };
/** Tokens of machines, kept apart from TOKENS (people, whose roles the authorization sweep lists by name). */
export const MACHINE_TOKENS = { robot: 'robot-secret-token' };
export type TokenName = keyof typeof TOKENS | keyof typeof MACHINE_TOKENS;
const ALL_TOKENS: Record<TokenName, string> = { ...TOKENS, ...MACHINE_TOKENS };

/** The roles of each test token, as policy-file lines under api.tokens (shared by every test policy). */
export const TOKEN_ROLES_YAML = `    ci: { roles: [deployer] }
    alice: { roles: [approver] }
    bob: { roles: [approver, override] }
    carol: { roles: [approver] }
    gateway: { roles: [approver], speaks_for_others: true }
    viewer: { roles: [viewer] }
    robot: { roles: [automation] }`;

/** A policy file for tests: staging needs 1 approval, production 2; the executor runs a real script. */
export function testPolicy(opts: { executorArgv: string[]; verifyWindow?: string; onNoData?: 'fail' | 'pass'; executorIdempotent?: boolean; discord?: string; production?: string; rules?: string; monitoring?: string }): string {
  return `${opts.discord ?? ''}
api:
  tokens:
${TOKEN_ROLES_YAML}
  body_limit: 16384
${opts.monitoring ?? ''}
defaults:
  # The seed's rules unless a test names its own: verification and the check judge with them, as in production.
  # Tests that drive rollbacks by hand push no breaching samples to a watched deployment, so the monitor stays out.
${opts.rules === undefined ? '' : `  rules: ${opts.rules}\n`}  verification: { window: ${opts.verifyWindow ?? '300ms'}, interval: 100ms, on_no_data: ${opts.onNoData ?? 'fail'} }
environments:
  production: { approvals: ${opts.production ?? '{ required: 2 }'} }
  staging: { approvals: { required: 1 } }
services:
  payments:
    environments: [production, staging]
    executor: { kind: command, argv: ${JSON.stringify(opts.executorArgv)}, timeout: 20s, idempotent: ${opts.executorIdempotent ?? false} }
  search:
    environments: [staging]
    executor: { kind: command, argv: ${JSON.stringify(opts.executorArgv)}, timeout: 20s }
`;
}

export class RecordingNotifier implements Notifier {
  readonly notices: Notice[] = [];
  readonly warnings: HealthNotice[] = [];
  async notify(notice: Notice): Promise<void> {
    this.notices.push(notice);
  }
  async warn(notice: HealthNotice): Promise<void> {
    this.warnings.push(notice);
  }
  kinds(eventId: string): string[] {
    return this.notices.filter((n) => n.eventId === eventId && n.kind !== 'progress').map((n) => n.kind);
  }
}

export interface Backstop {
  url: string;
  db: TestDatabase;
  running: RunningRoles;
  notifier: RecordingNotifier;
  queuePrefix: string;
  policyPath: string;
  /** Environment for a child `backstop` process that shares this instance's database, queue and policy. */
  childEnv: Record<string, string>;
  /** What this instance logged at `keepLogs` and above (empty unless asked for). */
  logs: LogRecord[];
  api(method: string, path: string, token: TokenName | null, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startBackstop(opts: { policy: string; roles?: Partial<RoleSet>; redisUrl?: string; db?: TestDatabase; env?: Record<string, string>; keepLogs?: 'debug' | 'info' | 'warn' }): Promise<Backstop> {
  const db = opts.db ?? (await createTestDatabase());
  const queuePrefix = `bt${randomBytes(4).toString('hex')}`;
  trackQueuePrefix(queuePrefix);
  const dir = mkdtempSync(join(tmpdir(), 'backstop-test-'));
  const policyPath = join(dir, 'backstop.yaml');
  writeFileSync(policyPath, opts.policy);
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    DATABASE_URL: db.url,
    REDIS_URL: opts.redisUrl ?? REDIS_URL,
    BACKSTOP_CONFIG: policyPath,
    BACKSTOP_QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    BACKSTOP_LOCK_DURATION_MS: '2000',
    BACKSTOP_STALLED_INTERVAL_MS: '1000',
    BACKSTOP_RECONCILE_INTERVAL_MS: '500',
    PORT: '0',
    // A worker or gateway without the API serves /metrics and /health on a port of its own; tests run many at once.
    BACKSTOP_METRICS_PORT: '0',
    HOST: '127.0.0.1',
    // Holds every API response to its route's declared responses (src/http/check-response.ts): each test that calls
    // the API checks the OpenAPI document too.
    NODE_ENV: 'test',
    ...Object.fromEntries(Object.entries(ALL_TOKENS).map(([k, v]) => [`BACKSTOP_TOKEN_${k.toUpperCase()}`, v])),
    ...opts.env,
  };
  const envResult = parseEnv(childEnv);
  const configResult = parseConfig(opts.policy);
  if (!envResult.ok) throw new Error(JSON.stringify(envResult.errors));
  if (!configResult.ok) throw new Error(JSON.stringify(configResult.errors));
  const capture = opts.keepLogs ? captureLogs(childEnv.LOG_LEVEL!, opts.keepLogs) : undefined;
  const logger = createLogger({ level: capture?.level ?? childEnv.LOG_LEVEL!, name: 'backstop-test', ...(capture ? { destination: capture.destination } : {}) });
  const notifier = new RecordingNotifier();
  const running = await runRoles({ env: envResult.env, config: configResult.config, logger }, { api: true, worker: true, gateway: false, ...opts.roles }, { extraNotifier: notifier });
  const port = running.server ? (running.server.address() as AddressInfo).port : 0;
  const url = `http://127.0.0.1:${port}`;
  const closed = track(`startBackstop() (queue prefix ${queuePrefix}${running.server ? `, ${url}` : ''})`);
  return {
    url,
    db,
    running,
    notifier,
    queuePrefix,
    policyPath,
    childEnv,
    logs: capture?.records ?? [],
    async api(method, path, token, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${ALL_TOKENS[token]}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep text
      }
      return { status: res.status, body: parsed };
    },
    async close() {
      try {
        await running.close();
        if (!opts.db) await db.drop();
      } finally {
        closed();
      }
    },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
