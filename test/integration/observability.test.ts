import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { parse } from 'yaml';
import { startDiscordEmulator, type DiscordEmulator } from '@backstop/discord-emulator';
import { createMetrics } from '../../src/metrics/registry.ts';
import { httpRequestDuration } from '../../src/metrics/http-metrics.ts';
import { createRedisConnection } from '../../src/jobs/rollback-queue.ts';
import { REDIS_URL } from '../support/pg-admin.ts';
import { startBackstop, testPolicy, TOKENS, type Backstop } from '../support/harness.ts';
import { freePort } from '../support/processes.ts';
import { promtool, sampleValue, scrape, startRole, stopRole, type RoleProcess } from '../support/role-process.ts';

// The shipped dashboard and alert rules must only name metrics backstop really exports, or they chart nothing.
describe('the observability examples', () => {
  it('reference only metrics that /metrics exposes', async () => {
    // With a queue, as in every real role, so the queue-depth gauge is registered too.
    const connection = createRedisConnection(REDIS_URL, 'producer');
    const queue = new Queue('observability-test', { connection, prefix: 'obs' });
    const { registry } = createMetrics(async () => queue);
    httpRequestDuration(registry);
    const exposed = await registry.metrics().finally(async () => {
      await queue.close();
      connection.disconnect();
    });
    const types = new Set([...exposed.matchAll(/^# TYPE (\S+) (\S+)/gm)].map((m) => m[1]!));
    const texts = [readFileSync('examples/observability/grafana-dashboard.json', 'utf8'), readFileSync('examples/observability/backstop-alerts.yml', 'utf8')];
    const used = new Set(texts.flatMap((t) => [...t.matchAll(/backstop_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))));
    const missing = [...used].filter((name) => !types.has(name));
    expect(used.size).toBeGreaterThan(4);
    expect(missing).toEqual([]);
  });
});

/** Every YAML file under these folders that holds Prometheus rule groups. */
function ruleFiles(...dirs: string[]): string[] {
  const files = dirs.flatMap((d) => readdirSync(d, { recursive: true, encoding: 'utf8' }).map((f) => join(d, f)));
  return files.filter((f) => {
    if (!/\.ya?ml$/.test(f)) return false;
    const doc = parse(readFileSync(f, 'utf8')) as { groups?: Array<{ rules?: unknown }> } | null;
    return Array.isArray(doc?.groups) && doc.groups.some((g) => Array.isArray(g?.rules));
  });
}

// promtool is the judge Prometheus users run: any complaint about what a role exposes fails here, whichever role.
describe('/metrics of every role, as promtool sees it', () => {
  let b: Backstop;
  let emu: DiscordEmulator;
  let running: RoleProcess | undefined;

  beforeAll(async () => {
    emu = await startDiscordEmulator();
    // No roles in this process: it brings the database, queue prefix and policy file the spawned roles share.
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['false'] }), roles: { api: false, worker: false, gateway: false } });
  });
  afterAll(async () => {
    await stopRole(running);
    await b?.close();
    await emu?.close();
  });

  const discordEnv = () => ({ DISCORD_TOKEN: emu.botToken, DISCORD_API_URL: emu.apiUrl });

  // Runs one role, scrapes it twice (the second scrape holds the first one's request in the HTTP histogram) and hands
  // promtool the text.
  async function checkRole(role: 'start' | 'api' | 'worker' | 'gateway', env: Record<string, string>, port: number, exercise?: (p: RoleProcess) => Promise<void>) {
    running = await startRole(role, { ...b.childEnv, ...env }, port);
    await exercise?.(running);
    await scrape(running);
    const text = await scrape(running);
    const verdict = await promtool(['check', 'metrics'], text);
    const proc = running;
    await stopRole(running);
    running = undefined;
    return { text, verdict, output: proc.output() };
  }

  it('api: passes, and times requests by route pattern with one access-log line each, no token in it', async () => {
    const port = await freePort();
    const { text, verdict, output } = await checkRole('api', { PORT: String(port), LOG_LEVEL: 'info' }, port, async (p) => {
      const res = await fetch(`${p.base}/api/rollbacks/00000000-0000-4000-8000-000000000000`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
      expect(res.status).toBe(404);
    });
    expect(verdict, verdict.output).toEqual({ code: 0, output: '' });
    expect(sampleValue(text, 'backstop_http_request_duration_seconds_count', { method: 'GET', route: '/api/rollbacks/:event_id', status: '404' })).toBe(1);
    const lines = output.split('\n').filter((l) => l.includes('"request completed"'));
    // Each key once: JSON.parse keeps the last of duplicates silently, and some log stores refuse such lines.
    for (const line of lines) expect(line.match(/"component":/g), line).toHaveLength(1);
    for (const line of lines) expect(line.match(/"name":/g), line).toHaveLength(1);
    const access = lines.map((l) => JSON.parse(l) as { req: { url: string }; route: string });
    expect(access.find((l) => l.route === '/api/rollbacks/:event_id')?.req.url).toBe('/api/rollbacks/00000000-0000-4000-8000-000000000000');
    expect(output).not.toContain(TOKENS.viewer);
    expect(output.toLowerCase()).not.toContain('authorization');
  });

  it('worker: passes, on its own port, with every outcome and step series there from the first scrape', async () => {
    const port = await freePort();
    const { text, verdict } = await checkRole('worker', { BACKSTOP_METRICS_PORT: String(port) }, port);
    expect(verdict, verdict.output).toEqual({ code: 0, output: '' });
    for (const trigger of ['manual', 'automatic', 'alert']) {
      for (const outcome of ['succeeded', 'failed', 'rejected', 'expired', 'cancelled']) expect(sampleValue(text, 'backstop_rollbacks_total', { trigger, outcome }), `${trigger} ${outcome}`).toBe(0);
    }
    for (const step of ['validate', 'snapshot', 'execute', 'verify', 'finish']) {
      for (const status of ['done', 'failed']) expect(sampleValue(text, 'backstop_rollback_step_duration_seconds_count', { step, status }), `${step} ${status}`).toBe(0);
    }
    expect(text).not.toContain('backstop_process_process_');
    expect([...text.matchAll(/^# TYPE (\w+_total) gauge$/gm)].map((m) => m[1])).toEqual([]);
  });

  it('gateway: passes, on its own port', async () => {
    const port = await freePort();
    const { verdict } = await checkRole('gateway', { BACKSTOP_METRICS_PORT: String(port), ...discordEnv() }, port);
    expect(verdict, verdict.output).toEqual({ code: 0, output: '' });
  });

  it('start: every role in one process, one endpoint, no clash', async () => {
    const [port, unused] = [await freePort(), await freePort()];
    const { text, verdict } = await checkRole('start', { PORT: String(port), BACKSTOP_METRICS_PORT: String(unused), ...discordEnv() }, port, async () => {
      // The API's port serves everything; no second endpoint is opened.
      await expect(fetch(`http://127.0.0.1:${unused}/metrics`)).rejects.toThrow();
    });
    expect(verdict, verdict.output).toEqual({ code: 0, output: '' });
    expect(sampleValue(text, 'backstop_rollbacks_total', { trigger: 'manual', outcome: 'failed' })).toBe(0);
  });

  it('and the example alert rules and scrape config pass promtool too', async () => {
    const rules = ruleFiles('examples', 'docs');
    expect(rules).toContain(join('examples', 'observability', 'backstop-alerts.yml'));
    const checked = await promtool(['check', 'rules', ...rules]);
    expect(checked.code, checked.output).toBe(0);
    const config = await promtool(['check', 'config', 'examples/observability/prometheus.yml']);
    expect(config.code, config.output).toBe(0);
  });
});
