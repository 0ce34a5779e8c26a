import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** A BullMQ queue whose module loads on first use. */
export interface LazyQueue {
  /** The queue, built on first call (every call gets the same one). */
  (): Promise<Queue>;
  /** Closes the queue if it was ever built. */
  close(): Promise<void>;
}

/**
 * BullMQ is about a megabyte of bundled code (with its Lua scripts) that every role used to parse and run before the
 * API could listen, only so that the API could enqueue later. Loaded on first use instead (the worker roles use it at
 * once; the API's first enqueue, or the load it starts once it listens), /health answers that much sooner.
 */
export function lazyQueue(name: string, connection: Redis, prefix: string, onError: (err: Error) => void): LazyQueue {
  let built: Promise<Queue> | undefined;
  const get = () =>
    (built ??= import('bullmq').then((bullmq) => {
      // Bundled (dist/), a CommonJS package imported on demand has only a default export, and BullMQ is that.
      const { Queue } = 'Queue' in bullmq ? bullmq : (bullmq as { default: typeof import('bullmq') }).default;
      const queue = new Queue(name, { connection, prefix });
      queue.on('error', onError);
      return queue;
    }));
  return Object.assign(get, {
    async close() {
      if (built) await (await built).close();
    },
  });
}
