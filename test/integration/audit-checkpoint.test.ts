import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/audit/append-audit.ts';
import { generateSigningKey, parsePublicKey, parseSigningKey, signCheckpoint, type SignedCheckpoint, type SigningKey } from '../../src/audit/checkpoint.ts';
import { fileSink, readNewestCheckpoint } from '../../src/audit/checkpoint-sinks.ts';
import { verifyAuditChain } from '../../src/audit/verify-audit.ts';
import { createDatabase, type Database } from '../../src/db/client.ts';
import { findChainHeads } from '../../src/db/queries/audit-log.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { auditEntry as entry, rewindChainHeads, subjectsOnDistinctChains } from '../support/audit-subjects.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// The attacks the chain alone cannot see, because whoever can write the database can also rewrite the chain heads
// verify compares with: the newest rows deleted together with their heads, and a chain recomputed from scratch. A
// signed checkpoint published outside the database sees both; a forged or foreign checkpoint is never a pass.

const logger = createLogger({ level: 'silent', name: 'audit-checkpoint-test' });
const keyOf = (text: string): SigningKey => {
  const parsed = parseSigningKey(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.key;
};

describe('audit checkpoints', () => {
  let tdb: TestDatabase;
  let database: Database;
  let dir: string;
  let key: SigningKey;
  let subjects: string[];
  const q = async (text: string, values?: unknown[]) => (await database.pool.query(text, values)).rows;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    database = createDatabase(tdb.url, logger, { max: 2 });
    dir = await mkdtemp(join(tmpdir(), 'backstop-checkpoint-'));
    key = keyOf(generateSigningKey().privateKey);
    subjects = subjectsOnDistinctChains(3);
    for (let i = 0; i < 30; i++) await recordAudit(database.db, entry(subjects[i % 3]!, i));
    await q(`create table public.saved_log as select * from ops.audit_log; create table public.saved_heads as select * from ops.audit_chain_heads`);
  });
  afterAll(async () => {
    await database?.close();
    await tdb?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const restore = () =>
    q(`truncate ops.audit_log; insert into ops.audit_log select * from public.saved_log; truncate ops.audit_chain_heads; insert into ops.audit_chain_heads select * from public.saved_heads`);
  const checkpointNow = async () => signCheckpoint(await findChainHeads(database.db), key, new Date());
  const verifyWith = (signed: SignedCheckpoint, publicKey = key.publicKey) => verifyAuditChain(database.db, { checkpoint: { signed, publicKey } });
  const rewindHeads = () => rewindChainHeads(database.pool);

  it('a log that matches its checkpoint is intact, and the verdict names the checkpoint', async () => {
    const signed = await checkpointNow();
    const verdict = await verifyWith(signed);
    expect(verdict).toMatchObject({ ok: true, checkpoint: { at: signed.checkpoint.at, rows: 30, keyId: key.keyId } });
  });

  it('a deleted tail row, heads rewound to match, passes the chain alone but not the checkpoint', async () => {
    const signed = await checkpointNow();
    try {
      const [newest] = await q(`select id::int, chain from ops.audit_log order by id desc limit 1`);
      await q(`delete from ops.audit_log where id = $1`, [newest.id]);
      await rewindHeads();
      expect((await verifyAuditChain(database.db)).ok).toBe(true); // what the attacker counts on
      const verdict = await verifyWith(signed);
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) expect(verdict.problem).toBe(`row ${newest.id} of chain ${newest.chain}, which the checkpoint of ${signed.checkpoint.at} signed as its newest, is gone: the log was truncated or replaced`);
    } finally {
      await restore();
    }
  });

  it('a chain rewritten from scratch with valid hashes is found at the checkpoint row', async () => {
    const signed = await checkpointNow();
    try {
      // Replace every row of one subject with entries of the attacker's choosing, through backstop's own writer, so
      // every hash and link is valid; the rows get new ids, so move them onto the old ones.
      const old = await q(`select id::int from ops.audit_log where subject = $1 order by id`, [subjects[1]]);
      await q(`delete from ops.audit_log where subject = $1`, [subjects[1]]);
      const chain = (await q(`select chain from public.saved_log where subject = $1 limit 1`, [subjects[1]]))[0].chain;
      await q(`update ops.audit_chain_heads set last_id = 0, last_hash = repeat('0', 64), row_count = 0 where chain = $1`, [chain]);
      for (let i = 0; i < old.length; i++) await recordAudit(database.db, { ...entry(subjects[1]!, i), reason: `nothing to see ${i}` });
      const fresh = await q(`select id::int from ops.audit_log where subject = $1 order by id`, [subjects[1]]);
      for (let i = fresh.length - 1; i >= 0; i--) await q(`update ops.audit_log set id = $1 where id = $2`, [old[i].id, fresh[i].id]);
      await q(`update ops.audit_chain_heads set last_id = $1 where chain = $2`, [old.at(-1).id, chain]);
      expect((await verifyAuditChain(database.db)).ok).toBe(true);
      const verdict = await verifyWith(signed);
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) expect(verdict.problem).toBe(`row ${old.at(-1).id} is not the row the checkpoint of ${signed.checkpoint.at} signed (its hash differs): chain ${chain} was rewritten or replaced`);
    } finally {
      await restore();
    }
  });

  it('a checkpoint altered after signing, or signed by another key, is named as such and never passes', async () => {
    const signed = await checkpointNow();
    const altered = { ...signed, checkpoint: { ...signed.checkpoint, rows: signed.checkpoint.rows - 1 } };
    const bad = await verifyWith(altered);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem).toBe(`the checkpoint of ${signed.checkpoint.at} has a bad signature: it was altered after it was signed, or forged`);

    const other = parsePublicKey(generateSigningKey().publicKey);
    if (!other.ok) throw new Error(other.problem);
    const foreign = await verifyWith(signed, other.key);
    expect(foreign.ok).toBe(false);
    if (!foreign.ok) expect(foreign.problem).toMatch(/was signed by another key \(key [0-9a-f]{16}; this key is [0-9a-f]{16}\)/);
  });

  it('rows written after the checkpoint are not held against it', async () => {
    const signed = await checkpointNow();
    try {
      for (let i = 0; i < 3; i++) await recordAudit(database.db, entry(subjects[i]!, 100 + i));
      expect((await verifyWith(signed)).ok).toBe(true);
    } finally {
      await restore();
    }
  });

  it('a file sink keeps every checkpoint, and the reader takes the newest', async () => {
    const file = join(dir, 'checkpoints.jsonl');
    const sink = fileSink(file);
    const first = await checkpointNow();
    await sink.publish(first);
    await recordAudit(database.db, entry(subjects[0]!, 200));
    const second = await checkpointNow();
    await sink.publish(second);
    try {
      const read = await readNewestCheckpoint(file, fetch);
      expect(read).toEqual({ ok: true, signed: second, source: file });
      expect((await verifyWith(second)).ok).toBe(true);
    } finally {
      await restore();
    }
    await writeFile(join(dir, 'junk.jsonl'), `${JSON.stringify(first)}\nnot json\n`);
    expect(await readNewestCheckpoint(join(dir, 'junk.jsonl'), fetch)).toEqual({ ok: false, problem: `the newest entry of ${join(dir, 'junk.jsonl')} is not a signed checkpoint` });
    expect(await readNewestCheckpoint(join(dir, 'none.jsonl'), fetch)).toEqual({ ok: false, problem: `cannot read ${join(dir, 'none.jsonl')}: no such file` });
  });

  it('keys: PEM and one-line base64 both parse; an RSA key is refused by name', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const ed = generateKeyPairSync('ed25519');
    const pem = ed.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(keyOf(pem).keyId).toBe(keyOf(ed.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')).keyId);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(parseSigningKey(rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())).toEqual({ ok: false, problem: 'an rsa key; checkpoints are signed with Ed25519' });
    expect(parseSigningKey('hello').ok).toBe(false);
  });
});
