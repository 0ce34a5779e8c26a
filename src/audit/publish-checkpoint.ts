import type { Db } from '../db/client.ts';
import { findChainHeads } from '../db/queries/audit-log.ts';
import type { Logger } from '../logging/logger.ts';
import type { CheckpointMetrics } from '../metrics/checkpoint-metrics.ts';
import type { CheckpointSink } from './checkpoint-sinks.ts';
import { signCheckpoint, type SignedCheckpoint, type SigningKey } from './checkpoint.ts';

export interface CheckpointDeps {
  db: Db;
  key: SigningKey;
  sinks: readonly CheckpointSink[];
  clock: () => Date;
  logger: Logger;
  metrics: CheckpointMetrics;
}

export interface CheckpointOutcome {
  signed: SignedCheckpoint;
  published: string[];
  failed: Array<{ sink: string; error: string }>;
}

/**
 * Signs the chain heads as they are now and hands the checkpoint to every sink at once. A sink that is down fails
 * alone: it is logged and counted, and the next checkpoint, which covers everything this one did, tries it again.
 * Nothing here is on a rollback's path, so a sink never holds one up.
 */
export async function publishCheckpoint(deps: CheckpointDeps): Promise<CheckpointOutcome> {
  const signed = signCheckpoint(await findChainHeads(deps.db), deps.key, deps.clock());
  const results = await Promise.allSettled(deps.sinks.map((sink) => sink.publish(signed)));
  const outcome: CheckpointOutcome = { signed, published: [], failed: [] };
  results.forEach((result, i) => {
    const sink = deps.sinks[i]!.name;
    if (result.status === 'fulfilled') outcome.published.push(sink);
    else {
      const error = result.reason instanceof Error ? result.reason.message : String(result.reason);
      outcome.failed.push({ sink, error });
      deps.metrics.failed(sink);
      deps.logger.warn({ sink, err: result.reason, rows: signed.checkpoint.rows }, 'audit checkpoint not published to this sink; the next checkpoint tries again');
    }
  });
  if (outcome.published.length > 0) deps.metrics.published(signed.checkpoint.rows, new Date(signed.checkpoint.at));
  deps.logger.info({ rows: signed.checkpoint.rows, keyId: signed.checkpoint.key_id, published: outcome.published }, 'audit checkpoint signed');
  return outcome;
}
