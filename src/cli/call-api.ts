/** A CLI command's question put to a running backstop over its API, or why it could not be asked. */
export type ApiCall =
  | { ok: true; status: number; statusText: string; body: unknown }
  | { ok: false; problem: 'url' | 'unreachable'; message: string };

/**
 * One request to a running backstop at `base` (--url or BACKSTOP_URL), with the token in BACKSTOP_TOKEN. A body that
 * is not JSON comes back as null. Each caller says what an unreachable backstop means for its exit code.
 */
export async function callApi(base: string, path: string, request: { method?: 'GET' | 'POST'; query?: Record<string, string | undefined>; body?: unknown } = {}): Promise<ApiCall> {
  let target: URL;
  try {
    target = new URL(path, base);
  } catch {
    return { ok: false, problem: 'url', message: `--url: expected a URL such as http://backstop.internal:3000, got "${base}"` };
  }
  for (const [k, v] of Object.entries(request.query ?? {})) if (v) target.searchParams.set(k, v);
  const token = process.env.BACKSTOP_TOKEN;
  const headers: Record<string, string> = { ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  let response: Response;
  try {
    response = await fetch(target, { method: request.method ?? 'GET', headers, ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }), signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    // fetch names the socket's trouble (ECONNREFUSED, ENOTFOUND) in its cause; a timeout is a TimeoutError.
    const why = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return { ok: false, problem: 'unreachable', message: `cannot reach backstop at ${target.origin} (${why})` };
  }
  return { ok: true, status: response.status, statusText: response.statusText, body: await response.json().catch(() => null) };
}
