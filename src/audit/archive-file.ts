import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import type { AuditRow } from '../db/schema/index.ts';
import type { ChainedAuditRow } from './append-audit.ts';

// An archive file is JSON lines: a header naming the id range, then one line per row in id order, with exactly the
// columns of ops.audit_log. Its sha256 is recorded in ops.audit_archives when the rows leave the table.

const ArchiveHeaderSchema = z.object({
  backstop_audit_archive: z.literal(1),
  from_id: z.number().int().min(0),
  through_id: z.number().int().min(1),
  before: z.string(),
});
export type ArchiveHeader = z.infer<typeof ArchiveHeaderSchema>;

const ArchiveLineSchema = z.object({
  id: z.number().int().min(1),
  chain: z.number().int(),
  at: z.iso.datetime(),
  actor: z.string(),
  source: z.string(),
  action: z.string(),
  subject: z.string().nullable(),
  reason: z.string().nullable(),
  result: z.string(),
  severity: z.string(),
  details: z.unknown(),
  prev_hash: z.string(),
  hash: z.string(),
});

export type ArchivedRow = ChainedAuditRow & { id: number };

export function archiveLine(row: AuditRow): string {
  const { prevHash, at, ...rest } = row;
  return `${JSON.stringify({ id: rest.id, chain: rest.chain, at: at.toISOString(), actor: rest.actor, source: rest.source, action: rest.action, subject: rest.subject, reason: rest.reason, result: rest.result, severity: rest.severity, details: rest.details, prev_hash: prevHash, hash: rest.hash })}\n`;
}

/** The row a line holds, or null if the line is not one. */
export function parseArchiveLine(line: string): ArchivedRow | null {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = ArchiveLineSchema.safeParse(json);
  if (!parsed.success) return null;
  const { prev_hash, at, details, ...rest } = parsed.data;
  return { ...rest, at: new Date(at), details: details ?? null, prevHash: prev_hash };
}

export function parseArchiveHeader(line: string): ArchiveHeader | null {
  try {
    const parsed = ArchiveHeaderSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Reads a file line by line in one pass, hashing its bytes as they go by: memory holds one chunk, whatever the size.
 * `onLine` gets each line without its newline; the sha256 of the whole file is returned at the end.
 */
export async function readLines(path: string, onLine: (line: string, lineNumber: number) => void): Promise<string> {
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNumber = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    const lines = (pending + decoder.write(chunk as Buffer)).split('\n');
    pending = lines.pop()!;
    for (const line of lines) onLine(line, ++lineNumber);
  }
  pending += decoder.end();
  if (pending) onLine(pending, ++lineNumber);
  return hash.digest('hex');
}

/** The sha256 of a file, read in chunks. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
