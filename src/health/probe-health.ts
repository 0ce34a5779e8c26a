export type ProbeVerdict = { ok: true; status: number } | { ok: false; problem: string };

/** GETs a JSON health endpoint: 2xx (and no "healthy": false in the body) is healthy; silence or an error is not. */
export async function probeHealth(fetchFn: typeof fetch, url: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeVerdict> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetchFn(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, headers: { accept: 'application/json' } });
    const text = await res.text();
    if (!res.ok) return { ok: false, problem: `health endpoint answered ${res.status}` };
    try {
      const body = JSON.parse(text) as { healthy?: unknown; status?: unknown };
      if (body.healthy === false || body.status === 'unhealthy' || body.status === 'down') return { ok: false, problem: 'health endpoint reports unhealthy' };
    } catch {
      // A 2xx that is not JSON still means the service answers.
    }
    return { ok: true, status: res.status };
  } catch (err) {
    return { ok: false, problem: timeout.aborted ? `health endpoint did not answer within ${timeoutMs} ms` : `health endpoint unreachable: ${(err as Error).message}` };
  }
}
