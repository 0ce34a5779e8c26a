import type { ChainHead } from '../db/queries/audit-log.ts';
import type { AuditProblem } from './chain-walk.ts';
import type { Checkpoint } from './checkpoint.ts';

/**
 * Compares the log, as a verification walks it, with a signed checkpoint: each chain must still hold the row the
 * checkpoint signed as its newest, with the same hash and the same number of rows up to it. A truncated tail (the row
 * is gone), a rewritten or replaced chain (the hash differs) and rows removed or slipped in before it (the count
 * differs) each show. What was written after the checkpoint it cannot vouch for: the next checkpoint will.
 */
export class CheckpointMatch {
  private readonly seen = new Set<string>();

  constructor(private readonly checkpoint: Checkpoint) {}

  /** Called for every live row after the walk checked it; `rowCount` is the row's chain's count including it. */
  observe(row: { id: number; chain: number; hash: string }, rowCount: number): AuditProblem | null {
    const chain = String(row.chain);
    const want = this.checkpoint.chains[chain];
    if (!want || want.last_id !== row.id) return null;
    this.seen.add(chain);
    const at = this.checkpoint.at;
    if (row.hash !== want.last_hash) {
      return { row: row.id, chain: row.chain, problem: `row ${row.id} is not the row the checkpoint of ${at} signed (its hash differs): chain ${chain} was rewritten or replaced` };
    }
    if (rowCount !== want.row_count) {
      return {
        row: row.id,
        chain: row.chain,
        problem: `chain ${chain} held ${want.row_count} rows up to row ${row.id} at the checkpoint of ${at}, and holds ${rowCount} now: rows before it were removed or inserted`,
      };
    }
    return null;
  }

  /**
   * The checkpoint's rows the walk never met. Below the newest archive's boundary a row was archived, not lost: there
   * the archive's record must count at least as many rows (its own file proves its rows, with --archive).
   */
  finish(boundary: number, archived: Map<number, ChainHead> | undefined): AuditProblem[] {
    const problems: AuditProblem[] = [];
    for (const [chain, want] of Object.entries(this.checkpoint.chains)) {
      if (want.last_id === 0 || this.seen.has(chain)) continue;
      const archivedCount = archived?.get(Number(chain))?.rowCount ?? 0;
      if (want.last_id <= boundary && archivedCount >= want.row_count) continue;
      problems.push({
        row: want.last_id,
        chain: Number(chain),
        problem: `row ${want.last_id} of chain ${chain}, which the checkpoint of ${this.checkpoint.at} signed as its newest, is gone: the log was truncated or replaced`,
      });
    }
    return problems;
  }
}
