/**
 * Polls fn until it returns something truthy. Tests wait on state that the bot changes over HTTP, so there is no
 * event to await; 10 ms polling keeps waits short without busy-looping.
 */
export async function pollUntil<T>(
  fn: () => T | undefined | null | false,
  timeoutMs: number,
  onTimeout: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(onTimeout());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
