// The floor of bench/scale-out.ts: a bare BullMQ worker process with nothing of backstop in it, whose jobs run the same
// executor command (`sleep 2`). Prints "ready" once it listens; each job returns the pid that ran it and when it began.
// Usage (from bench/scale-out.ts): node bin/run-ts.mjs bench/bare-worker.ts <redis url> <prefix> <queue> <concurrency>
import { spawn } from 'node:child_process';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [redisUrl, prefix, queueName, concurrency] = process.argv.slice(2);
const connection = new Redis(redisUrl!, { maxRetriesPerRequest: null });
const worker = new Worker(
  queueName!,
  async () => {
    const startedAt = Date.now();
    await new Promise<void>((resolve, reject) => spawn('sleep', ['2'], { stdio: 'ignore' }).once('exit', () => resolve()).once('error', reject));
    return { pid: process.pid, startedAt };
  },
  { connection, prefix, concurrency: Number(concurrency) },
);
await worker.waitUntilReady();
console.log('ready');
process.once('SIGTERM', () => {
  void worker.close().finally(() => {
    connection.disconnect();
    process.exit(0);
  });
});
