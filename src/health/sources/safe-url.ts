/** A URL split from its credentials: fetch refuses URLs with user:pass@, and credentials must never reach a log or a reading. */
export interface SafeUrl {
  /** The URL without credentials: safe to print. */
  url: URL;
  /** `Basic …` when the configured URL carried user:pass@, for the Authorization header. */
  authorization?: string;
}

export function splitCredentials(raw: string): SafeUrl {
  const url = new URL(raw);
  if (!url.username && !url.password) return { url };
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { url, authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

/** "ECONNREFUSED" rather than undici's bare "fetch failed": the cause says what actually happened. */
export function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string' && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** One signal for a request: the caller's (shutdown, tick cancelled) or our own deadline, whichever comes first. */
export function requestSignal(timeoutMs: number, caller?: AbortSignal): { signal: AbortSignal; timeout: AbortSignal } {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: caller ? AbortSignal.any([caller, timeout]) : timeout, timeout };
}

/** Why a request failed, in the words a reading's detail uses. */
export function failureReason(err: unknown, what: string, timeoutMs: number, timeout: AbortSignal, caller?: AbortSignal): string {
  if (timeout.aborted) return `timed out after ${timeoutMs} ms`;
  if (caller?.aborted) return 'aborted';
  return `${what} unreachable: ${describeFetchError(err)}`;
}
