import { createHash } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Db } from '../db/client.ts';
import { deleteAuditRows, findAuditArchives, findAuditRowsAfter, getArchiveBoundary, insertAuditArchive, lockChainHeads } from '../db/queries/audit-log.ts';
import { AUDIT_CHAINS } from '../db/schema/index.ts';
import { AppError } from '../errors/app-error.ts';
import { appendAudit, type AuditEntry } from './append-audit.ts';
import { archiveLine, parseArchiveHeader, sha256OfFile, type ArchiveHeader } from './archive-file.ts';
import { ChainWalk, startingHeads, toArchiveHeads } from './chain-walk.ts';

export interface ArchiveOptions {
  before: Date;
  out: string;
  actor: Pick<AuditEntry, 'actor' | 'source'>;
  batchSize?: number;
}

export type ArchiveOutcome =
  | { kind: 'nothing'; before: Date }
  | { kind: 'archived'; fromId: number; throughId: number; rows: number; sha256: string; file: string };

const ALL_CHAINS = Array.from({ length: AUDIT_CHAINS }, (_, c) => c);

/**
 * Moves the oldest rows, those written before `before`, out of ops.audit_log into a JSON-lines file. The file is
 * written and fsynced first; then one transaction records the archive (its heads and sha256) and deletes the rows. A
 * run stopped before that commit deletes nothing and may simply be run again; after it, the file is complete.
 */
export async function archiveAudit(db: Db, opts: ArchiveOptions): Promise<ArchiveOutcome> {
  const out = resolve(opts.out);
  await refuseToOverwrite(db, out);
  const partial = `${out}.partial`;
  const fh = await open(partial, 'w').catch((err: unknown) => {
    throw new AppError('BAD_REQUEST', `cannot write --out ${opts.out}: ${describeFsError(err)}`);
  });
  let done = false;
  try {
    const range = await db.transaction(async (tx) => {
      // With every head locked no append is in flight, so every row below the boundary has committed: none can
      // appear in the range after it was written to the file.
      await lockChainHeads(tx, ALL_CHAINS);
      const newest = (await findAuditArchives(tx)).at(-1);
      const fromId = newest?.throughId ?? 0;
      return { fromId, throughId: await getArchiveBoundary(tx, fromId, opts.before), start: startingHeads(newest?.heads) };
    });
    if (range.throughId === null) return { kind: 'nothing', before: opts.before };
    const { fromId, throughId } = range;

    const header: ArchiveHeader = { backstop_audit_archive: 1, from_id: fromId, through_id: throughId, before: opts.before.toISOString() };
    const written = await writeRows(db, fh, header, new ChainWalk(range.start), opts.batchSize ?? 5_000);
    await fh.sync();
    await fh.close();
    await rename(partial, out);
    await syncDirectory(dirname(out));

    await db
      .transaction(async (tx) => {
        await insertAuditArchive(tx, {
          fromId,
          throughId,
          rowCount: written.rows,
          heads: toArchiveHeads(written.walk.heads),
          sha256: written.sha256,
          file: out,
          before: opts.before,
          archivedBy: opts.actor.actor,
        });
        const gone = await deleteAuditRows(tx, fromId, throughId);
        if (gone.count !== written.rows || gone.digest !== written.hashesDigest) {
          throw new AppError('CONFLICT', `ids ${fromId + 1}–${throughId} changed while they were being archived; nothing was deleted (run backstop audit verify)`);
        }
        await appendAudit(tx, {
          ...opts.actor,
          action: 'audit.archive',
          result: 'archived',
          details: { from_id: fromId, through_id: throughId, rows: written.rows, sha256: written.sha256, file: out, before: opts.before.toISOString() },
        });
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'another archive of the same rows committed first; nothing was deleted by this run', { retryable: true });
        throw err;
      });
    done = true;
    return { kind: 'archived', fromId, throughId, rows: written.rows, sha256: written.sha256, file: out };
  } finally {
    if (!done) {
      await fh.close().catch(() => undefined);
      await rm(partial, { force: true });
    }
  }
}

/** Streams ids (from, through] to the file, checking every link on the way: a broken chain is never archived. */
async function writeRows(db: Db, fh: FileHandle, header: ArchiveHeader, walk: ChainWalk, batchSize: number) {
  const fileHash = createHash('sha256');
  const hashes = createHash('sha256');
  const write = async (text: string) => {
    fileHash.update(text);
    await fh.write(text);
  };
  await write(`${JSON.stringify(header)}\n`);
  let rows = 0;
  for (let lastId = header.from_id; lastId < header.through_id; ) {
    const batch = (await findAuditRowsAfter(db, lastId, batchSize)).filter((row) => row.id <= header.through_id);
    if (batch.length === 0) break;
    let text = '';
    for (const row of batch) {
      const problem = walk.check(row);
      if (problem) throw new AppError('CONFLICT', `the audit chain is broken at row ${problem.row}: ${problem.problem}; nothing was archived (run backstop audit verify)`);
      text += archiveLine(row);
      hashes.update(rows++ ? `,${row.hash}` : row.hash);
    }
    await write(text);
    lastId = batch.at(-1)!.id;
  }
  return { rows, walk, sha256: fileHash.digest('hex'), hashesDigest: hashes.digest('hex') };
}

/**
 * An existing --out may only be what a stopped run left behind (an archive header, no recorded archive with its
 * sha256): anything else, a recorded archive above all, is kept.
 */
async function refuseToOverwrite(db: Db, out: string): Promise<void> {
  const found = await stat(out).catch((err: { code?: string }) => {
    if (err.code === 'ENOENT') return null;
    throw new AppError('BAD_REQUEST', `cannot write --out ${out}: ${describeFsError(err)}`);
  });
  if (!found) return;
  if (!found.isFile()) throw new AppError('BAD_REQUEST', `--out ${out} is not a file`);
  const fh = await open(out, 'r');
  const { buffer, bytesRead } = await fh.read({ buffer: Buffer.alloc(4096) }).finally(() => fh.close());
  if (!parseArchiveHeader(buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0]!)) {
    throw new AppError('BAD_REQUEST', `--out ${out} already exists and is not an audit archive; choose another file`);
  }
  const sha256 = await sha256OfFile(out);
  const recorded = (await findAuditArchives(db)).find((a) => a.sha256 === sha256);
  if (recorded) throw new AppError('BAD_REQUEST', `--out ${out} already holds the archive of ids ${recorded.fromId + 1}–${recorded.throughId}; choose another file`);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function describeFsError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const plain: Record<string, string> = { ENOENT: 'its directory does not exist', EACCES: 'permission denied', EROFS: 'read-only file system', EISDIR: 'it is a directory', ENOTDIR: 'a part of its path is not a directory' };
  return (e.code && plain[e.code]) ?? e.message ?? String(err);
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.code === '23505' || e.cause?.code === '23505';
}
