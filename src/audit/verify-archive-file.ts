import type { AuditArchive } from '../db/schema/index.ts';
import { parseArchiveHeader, parseArchiveLine, readLines } from './archive-file.ts';
import { ChainWalk, startingHeads, type ProblemList } from './chain-walk.ts';

/**
 * Checks one archive file against its record in ops.audit_archives: the sha256 of its bytes, then every row, each
 * chain starting from the archive before it and ending where the record says (which is where the live log, or the
 * next archive, starts). One pass, one chunk in memory.
 */
export async function verifyArchiveFile(path: string, archives: readonly AuditArchive[], problems: ProblemList): Promise<number> {
  const report = (row: number, chain: number | null, problem: string) => problems.add({ row, chain, problem: `${path}: ${problem}` });
  let record: AuditArchive | undefined;
  let walk: ChainWalk | undefined;
  let lastId = 0;
  const sha256 = await readLines(path, (line, lineNumber) => {
    if (lineNumber === 1) {
      const header = parseArchiveHeader(line);
      if (!header) return void report(0, null, 'not a backstop audit archive (its first line is not an archive header)');
      record = archives.find((a) => a.throughId === header.through_id && a.fromId === header.from_id);
      if (!record) return void report(header.through_id, null, `no archive of ids ${header.from_id + 1}–${header.through_id} is recorded in ops.audit_archives`);
      const previous = archives.find((a) => a.throughId === header.from_id);
      if (header.from_id !== 0 && !previous) return void report(header.from_id, null, `the archive before it (through row ${header.from_id}) is not recorded, so its chains have no start`);
      walk = new ChainWalk(startingHeads(previous?.heads));
      lastId = header.from_id;
      return;
    }
    if (!walk || !record) return;
    const row = parseArchiveLine(line);
    if (!row) return void report(lastId, null, `line ${lineNumber} is not an audit row`);
    if (row.id <= lastId || row.id > record.throughId) report(row.id, row.chain, `row ${row.id} is out of order or outside the archive's range (ids ${record.fromId + 1}–${record.throughId})`);
    lastId = row.id;
    const problem = walk.check(row);
    if (problem) report(problem.row, problem.chain, problem.problem);
  });
  if (record && walk) {
    for (const p of walk.compareEnds(startingHeads(record.heads), 'archive record')) report(p.row, p.chain, p.problem);
    // After the rows: a changed row or a cut end says where, the sha256 only that the file is not the one written.
    if (sha256 !== record.sha256) {
      report(record.throughId, null, `its sha256 (${sha256.slice(0, 16)}…) is not the one recorded for the archive of ids ${record.fromId + 1}–${record.throughId} (${record.sha256.slice(0, 16)}…): the file was changed`);
    }
  }
  return walk?.rows ?? 0;
}
