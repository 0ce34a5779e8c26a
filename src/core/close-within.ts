/**
 * Waits for a close at most `ms`, then goes on: a shutdown must not hang on what it waits for (BullMQ's worker.close()
 * and queue.close() while Redis is unreachable, bullmq#4656; interactions still being answered). The timer is cleared
 * either way, so nothing outlives the close.
 */
export async function closeWithin(closing: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([closing, timeout]).finally(() => clearTimeout(timer));
}
