import type { ChainHead } from '../db/queries/audit-log.ts';
import { AUDIT_CHAINS, type ArchiveHeads } from '../db/schema/index.ts';
import { GENESIS_HASH, auditRowHash, type ChainedAuditRow } from './append-audit.ts';

export interface AuditProblem {
  /** The row where it shows (for a chain's end, the row its head records). */
  row: number;
  chain: number | null;
  problem: string;
}

/** Problems as found, the first `limit` kept (a log broken everywhere must not fill memory) and the rest counted. */
export class ProblemList {
  readonly items: AuditProblem[] = [];
  more = 0;

  constructor(private readonly limit = 50) {}

  add(problem: AuditProblem): void {
    if (this.items.length < this.limit) this.items.push(problem);
    else this.more++;
  }
}

const EMPTY: ChainHead = { lastId: 0, lastHash: GENESIS_HASH, rowCount: 0 };

/** Where every chain starts: an archive's recorded heads, or empty (the genesis hash). */
export function startingHeads(heads?: ArchiveHeads | null): Map<number, ChainHead> {
  return new Map(Array.from({ length: AUDIT_CHAINS }, (_, c) => [c, { ...(heads?.[c] ?? EMPTY) }]));
}

export function toArchiveHeads(heads: Map<number, ChainHead>): ArchiveHeads {
  return Object.fromEntries([...heads].map(([c, h]) => [String(c), { ...h }]));
}

/**
 * Follows every chain through rows given in id order, keeping only each chain's newest hash (so memory does not grow
 * with the log), and says what is wrong with a row. After a problem it carries on from that row, so one edit or one
 * removal is reported once, not again at every later row.
 */
export class ChainWalk {
  readonly heads: Map<number, ChainHead>;
  rows = 0;

  constructor(start: Map<number, ChainHead>) {
    this.heads = start;
  }

  check(row: ChainedAuditRow & { id: number }): AuditProblem | null {
    this.rows++;
    let chain = row.chain;
    let problem: string | null = null;
    if (!this.heads.has(chain)) return { row: row.id, chain, problem: `row ${row.id} names chain ${chain}, which does not exist (0–${AUDIT_CHAINS - 1})` };
    if (auditRowHash(row) !== row.hash) {
      // The chain is part of the hash: if the row hashes right under another chain, it was moved from there.
      const from = [...this.heads.keys()].find((c) => c !== chain && auditRowHash({ ...row, chain: c }) === row.hash);
      if (from === undefined) problem = `row ${row.id} was altered after it was written (hash mismatch; chain ${chain})`;
      else {
        problem = `row ${row.id} was moved from chain ${from} to chain ${chain}`;
        chain = from;
      }
    }
    const head = this.heads.get(chain)!;
    if (!problem && row.prevHash !== head.lastHash) {
      problem = `row ${row.id} does not link to the row before it in chain ${chain} (${head.lastId ? `row ${head.lastId}` : 'the chain start'}): a row was removed there, or this one was inserted`;
    }
    head.lastId = row.id;
    head.lastHash = row.hash;
    head.rowCount++;
    return problem ? { row: row.id, chain, problem } : null;
  }

  /** Compares where each chain ended with where its record (the head table, or an archive) says it ends. */
  compareEnds(recorded: Map<number, ChainHead>, what: string): AuditProblem[] {
    const problems: AuditProblem[] = [];
    for (const [chain, seen] of this.heads) {
      const want = recorded.get(chain);
      const seenRow = seen.lastId ? `row ${seen.lastId}` : 'no row';
      if (!want) problems.push({ row: seen.lastId, chain, problem: `chain ${chain} has no ${what}` });
      else if (want.lastId > seen.lastId) {
        problems.push({ row: want.lastId, chain, problem: `chain ${chain} ends at ${seenRow}, but its ${what} says row ${want.lastId}: the newest rows of the chain were deleted (truncation)` });
      } else if (want.lastId < seen.lastId) {
        problems.push({ row: seen.lastId, chain, problem: `chain ${chain} goes on past the row its ${what} names (row ${want.lastId}) to row ${seen.lastId}: rows were added after it` });
      } else if (want.lastHash !== seen.lastHash) {
        problems.push({ row: seen.lastId, chain, problem: `chain ${chain} ends at ${seenRow}, whose hash is not the one its ${what} names` });
      } else if (want.rowCount !== seen.rowCount) {
        problems.push({ row: seen.lastId, chain, problem: `chain ${chain} holds ${seen.rowCount} rows (archived ones included), but its ${what} counts ${want.rowCount}: rows were removed or added` });
      }
    }
    return problems;
  }
}
