import { existsSync, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { generateSigningKey, parsePublicKey } from '../audit/checkpoint.ts';
import { readNewestCheckpoint } from '../audit/checkpoint-sinks.ts';
import { verifyAuditChain, type VerifyOptions as ChainOptions } from '../audit/verify-audit.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { formatMs, plural } from '../cli/words.ts';
import type { Terminal } from '../cli/terminal.ts';
import type { CliReader } from './cli-deps.ts';
import { withReader, type OutputOptions } from './cli-run.ts';

// `audit verify` and `audit keygen`. Verify checks the chain, and the chain against the newest signed checkpoint when
// one is given or configured: without one, a log truncated or replaced together with its chain heads still looks
// intact, and the answer says so rather than implying more than it checked.

export interface VerifyOptions extends OutputOptions {
  archive?: string[];
  checkpoint?: string;
  publicKey?: string;
}

type KeyChoice = { ok: true; key: KeyObject; from: string } | { ok: false; problem: string };

// --public-key takes the key itself or a file holding it; else the environment's public key, else the signing key's.
function publicKeyFor(opts: VerifyOptions, env: CliReader['env']): KeyChoice | null {
  if (opts.publicKey !== undefined) {
    const text = existsSync(opts.publicKey) ? readFileSync(opts.publicKey, 'utf8') : opts.publicKey;
    const parsed = parsePublicKey(text);
    return parsed.ok ? { ok: true, key: parsed.key, from: '--public-key' } : { ok: false, problem: `--public-key: ${parsed.problem}` };
  }
  if (env.BACKSTOP_AUDIT_PUBLIC_KEY) return { ok: true, key: env.BACKSTOP_AUDIT_PUBLIC_KEY, from: 'BACKSTOP_AUDIT_PUBLIC_KEY' };
  if (env.BACKSTOP_AUDIT_SIGNING_KEY) return { ok: true, key: env.BACKSTOP_AUDIT_SIGNING_KEY.publicKey, from: 'BACKSTOP_AUDIT_SIGNING_KEY' };
  return null;
}

const fail = (term: Terminal, json: boolean | undefined, problem: string) => {
  if (json) term.json({ ok: false, problem });
  else term.err.line(`audit verify: ${problem}`);
  return EXIT.ERROR;
};

export const auditVerify = (opts: VerifyOptions) =>
  withReader('audit', async ({ db, clock, env }, term) => {
    const files = opts.archive ?? [];
    const source = opts.checkpoint ?? env.BACKSTOP_AUDIT_CHECKPOINT_FILE ?? env.BACKSTOP_AUDIT_CHECKPOINT_URL;
    let checkpoint: ChainOptions['checkpoint'];
    if (source) {
      const key = publicKeyFor(opts, env);
      if (!key) return fail(term, opts.json, `no public key to check the checkpoint of ${source} with: pass --public-key or set BACKSTOP_AUDIT_PUBLIC_KEY`);
      if (!key.ok) return fail(term, opts.json, key.problem);
      // A checkpoint that cannot be read is a failed check, never a pass without one: it was asked for.
      const read = await readNewestCheckpoint(source, fetch);
      if (!read.ok) return fail(term, opts.json, read.problem);
      checkpoint = { signed: read.signed, publicKey: key.key };
    }
    const verdict = await verifyAuditChain(db, { archiveFiles: files, checkpoint });
    const now = clock();
    const cp = verdict.ok ? verdict.checkpoint : null;
    const ageMs = cp ? now.getTime() - Date.parse(cp.at) : null;
    const total = verdict.ok ? verdict.rows + verdict.archivedRows : 0;
    if (opts.json) {
      term.json(
        verdict.ok
          ? {
              ok: true,
              rows: verdict.rows,
              chains: verdict.chains,
              archives: verdict.archives,
              archived_rows: verdict.archivedRows,
              archive_files: files.length,
              archive_file_rows: verdict.archiveFileRows,
              head: verdict.head,
              checkpoint: cp ? { at: cp.at, age_seconds: Math.round(ageMs! / 1000), rows: cp.rows, key_id: cp.keyId, rows_since: total - cp.rows } : null,
            }
          : { ok: false, rows: verdict.rows, broken_at: verdict.brokenAt, problem: verdict.problem, problems: verdict.problems, more_problems: verdict.moreProblems },
      );
      return verdict.ok ? EXIT.OK : EXIT.ERROR;
    }
    if (!verdict.ok) {
      term.err.line(`audit chain BROKEN at row ${verdict.brokenAt}: ${verdict.problem}`);
      for (const p of verdict.problems.slice(1)) term.err.line(`  also at row ${p.row}: ${p.problem}`);
      if (verdict.moreProblems) term.err.line(`  … and ${verdict.moreProblems} more`);
      return EXIT.ERROR;
    }
    const archived = verdict.archives ? `, after ${verdict.archivedRows} archived rows (${plural(verdict.archives, 'archive')})` : '';
    const checked = files.length ? `; ${plural(files.length, 'archive file')} intact (${verdict.archiveFileRows} rows)` : '';
    term.out.line(`audit chain intact: ${verdict.rows} rows in ${verdict.chains} chains${archived}${checked}; heads ${verdict.head.slice(0, 16)}…`);
    if (cp) {
      const since = total - cp.rows;
      term.out.line(
        `  matches the signed checkpoint of ${cp.at} (${formatMs(Math.max(0, ageMs!))} old, key ${cp.keyId}, ${plural(cp.rows, 'row')})` +
          (since > 0 ? `; the ${plural(since, 'row')} written since are covered by no checkpoint yet` : '; it covers every row'),
      );
    } else {
      term.out.line(`  no checkpoint checked: a log truncated or replaced together with its chain heads would look intact (set BACKSTOP_AUDIT_CHECKPOINT_FILE or pass --checkpoint)`);
    }
    return EXIT.OK;
  });

/** A new Ed25519 key pair, as environment lines: the private key for the workers, the public one for verifiers. */
export function auditKeygen(opts: OutputOptions): void {
  const pair = generateSigningKey();
  if (opts.json) console.log(JSON.stringify({ key_id: pair.keyId, private_key: pair.privateKey, public_key: pair.publicKey }));
  else {
    console.log(`# audit checkpoint key ${pair.keyId}: the private key goes to the workers only; keep the public key where verifiers are`);
    console.log(`BACKSTOP_AUDIT_SIGNING_KEY=${pair.privateKey}`);
    console.log(`BACKSTOP_AUDIT_PUBLIC_KEY=${pair.publicKey}`);
  }
}
