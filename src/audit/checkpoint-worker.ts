import { closeWithin } from '../core/close-within.ts';
import { startScheduledWorker } from '../jobs/scheduled-worker.ts';
import { publishCheckpoint, type CheckpointDeps } from './publish-checkpoint.ts';

const CHECKPOINT_QUEUE = 'audit-checkpoint';

/**
 * Audit checkpoints inside a worker: one every `everyMs` for all workers together (startScheduledWorker; the first at
 * once), and each worker signs one more as it shuts down, so the log's last rows before a stop are covered without
 * waiting for the next interval.
 */
export async function startCheckpointWorker(deps: CheckpointDeps, input: { redisUrl: string; prefix: string; everyMs: number }): Promise<{ close(): Promise<void> }> {
  const logger = deps.logger.child({ component: 'audit-checkpoint' });
  const withLogger = { ...deps, logger };
  const scheduled = await startScheduledWorker({ queue: CHECKPOINT_QUEUE, jobName: 'sign', ...input, logger, run: () => publishCheckpoint(withLogger) });
  return {
    async close() {
      await scheduled.close();
      await closeWithin(
        publishCheckpoint(withLogger).then(() => undefined, (err: unknown) => logger.warn({ err }, 'the checkpoint at shutdown failed')),
        10_000,
      );
    },
  };
}
