/** What /health asks of a process, wherever it serves it: the API's port, or a worker's or gateway's ops port. */
export interface HealthDeps {
  pool: { query(sql: string): Promise<unknown> };
  /** ioredis: `status` and `once('ready')` let a probe wait out the first connect instead of calling it an outage. */
  redis: { ping(): Promise<unknown>; status?: string; once?(event: 'ready', listener: () => void): unknown };
}

// The API listens before its Redis connection has finished its first connect (a start answers sooner): a probe in that
// moment waits for it, within the probe's own timeout. A connection that was up and dropped answers at once.
function pingWhenConnected(redis: HealthDeps['redis']): Promise<unknown> {
  if ((redis.status === 'connecting' || redis.status === 'wait' || redis.status === 'connect') && redis.once) {
    return new Promise<void>((resolve) => redis.once!('ready', resolve)).then(() => redis.ping());
  }
  return redis.ping();
}

type Reach = { ok: boolean; error?: string; latency_ms: number };

// A dependency that hangs (a black-holed Redis) must still give the probe an answer before the orchestrator's timeout.
const PROBE_TIMEOUT_MS = 2_000;

async function reach(check: () => Promise<unknown>): Promise<Reach> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS)));
  try {
    await Promise.race([check(), late]);
    return { ok: true, latency_ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, error: (err as Error).message.slice(0, 200), latency_ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/** Can this process reach PostgreSQL and Redis? 200 when both answer, 503 (degraded) when either does not. */
export async function checkDependencies(deps: HealthDeps): Promise<{ status: 200 | 503; body: { status: 'ok' | 'degraded'; database: Reach; redis: Reach } }> {
  const [database, redis] = await Promise.all([reach(() => deps.pool.query('select 1')), reach(() => pingWhenConnected(deps.redis))]);
  const ok = database.ok && redis.ok;
  return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'degraded', database, redis } };
}
