import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { canonicalHash } from '../core/canonical-hash.ts';
import type { Db } from '../db/client.ts';
import { findAuditArchives, findAuditRowsAfter, findChainHeads } from '../db/queries/audit-log.ts';
import { AUDIT_CHAINS } from '../db/schema/index.ts';
import { AppError } from '../errors/app-error.ts';
import { ChainWalk, ProblemList, startingHeads, toArchiveHeads, type AuditProblem } from './chain-walk.ts';
import { CheckpointMatch } from './checkpoint-match.ts';
import { verifyCheckpointSignature, type SignedCheckpoint } from './checkpoint.ts';
import type { KeyObject } from 'node:crypto';
import { verifyArchiveFile } from './verify-archive-file.ts';

export type AuditVerdict =
  | {
      ok: true;
      rows: number;
      chains: number;
      /** Rows moved out by archives (not read unless their files are given). */
      archivedRows: number;
      archives: number;
      /** Rows read back from the archive files given. */
      archiveFileRows: number;
      /** One digest of every chain's head: what to publish outside the database as a checkpoint. */
      head: string;
      /** The signed checkpoint the log was checked against, when one was given. */
      checkpoint: { at: string; rows: number; keyId: string } | null;
    }
  | { ok: false; rows: number; brokenAt: number; problem: string; problems: AuditProblem[]; moreProblems: number };

export interface VerifyOptions {
  batchSize?: number;
  /** Archive files to check as well (their sha256 and chains). */
  archiveFiles?: readonly string[];
  /** A checkpoint published outside the database, and the public key it must be signed with. */
  checkpoint?: { signed: SignedCheckpoint; publicKey: KeyObject };
}

/**
 * Walks the live log in id order, in batches, recomputing every hash and following each chain from the newest
 * archive's heads; then compares each chain's end with its head row, so deleting the newest rows shows too. Reads one
 * snapshot (repeatable read), so appends running meanwhile are neither half-seen nor taken for tampering.
 */
export async function verifyAuditChain(db: Db, opts: VerifyOptions = {}): Promise<AuditVerdict> {
  for (const file of opts.archiveFiles ?? []) {
    await access(file, constants.R_OK).catch((err: { code?: string }) => {
      throw new AppError('BAD_REQUEST', `--archive ${file}: ${err.code === 'ENOENT' ? 'no such file' : `cannot read it (${err.code})`}`);
    });
  }
  const problems = new ProblemList();
  // A checkpoint that does not verify proves nothing, so it is a problem in itself, never a pass.
  const signature = opts.checkpoint ? verifyCheckpointSignature(opts.checkpoint.signed, opts.checkpoint.publicKey) : null;
  if (signature && !signature.ok) problems.add({ row: 0, chain: null, problem: signature.problem });
  const match = opts.checkpoint && signature?.ok ? new CheckpointMatch(opts.checkpoint.signed.checkpoint) : null;
  const { walk, archives } = await db.transaction(
    async (tx) => {
      const archives = await findAuditArchives(tx);
      archives.forEach((a, i) => {
        const expected = i === 0 ? 0 : archives[i - 1]!.throughId;
        if (a.fromId !== expected) {
          problems.add({ row: a.fromId, chain: null, problem: `the archive of ids ${a.fromId + 1}–${a.throughId} does not start where the archive before it ended (row ${expected}): an archive record was removed` });
        }
      });
      const newest = archives.at(-1);
      const boundary = newest?.throughId ?? 0;
      const heads = await findChainHeads(tx);
      const walk = new ChainWalk(startingHeads(newest?.heads));
      for (let lastId = 0; ; ) {
        const batch = await findAuditRowsAfter(tx, lastId, opts.batchSize ?? 5_000);
        if (batch.length === 0) break;
        for (const row of batch) {
          const problem =
            row.id <= boundary
              ? { row: row.id, chain: row.chain, problem: `row ${row.id} lies in the archived range (ids up to ${boundary}) but is in the live log: it was inserted` }
              : walk.check(row);
          if (problem) problems.add(problem);
          const matched = match && row.id > boundary ? match.observe(row, walk.heads.get(row.chain)?.rowCount ?? 0) : null;
          if (matched) problems.add(matched);
        }
        lastId = batch.at(-1)!.id;
      }
      for (const p of walk.compareEnds(heads, 'head in ops.audit_chain_heads')) problems.add(p);
      for (const p of match?.finish(boundary, newest ? startingHeads(newest.heads) : undefined) ?? []) problems.add(p);
      return { walk, archives };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );

  let archiveFileRows = 0;
  for (const file of opts.archiveFiles ?? []) {
    archiveFileRows += await verifyArchiveFile(file, archives, problems);
  }

  const first = problems.items[0];
  if (first) {
    return { ok: false, rows: walk.rows, brokenAt: first.row, problem: first.problem, problems: problems.items, moreProblems: problems.more };
  }
  const newest = archives.at(-1);
  return {
    ok: true,
    rows: walk.rows,
    chains: AUDIT_CHAINS,
    archivedRows: newest ? Object.values(newest.heads).reduce((n, h) => n + h.rowCount, 0) : 0,
    archives: archives.length,
    archiveFileRows,
    head: canonicalHash(toArchiveHeads(walk.heads)),
    checkpoint: opts.checkpoint ? { at: opts.checkpoint.signed.checkpoint.at, rows: opts.checkpoint.signed.checkpoint.rows, keyId: opts.checkpoint.signed.checkpoint.key_id } : null,
  };
}
