import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalHash } from '../core/canonical-hash.ts';
import type { ChainHead } from '../db/queries/audit-log.ts';

/**
 * A signed statement of how far the audit log reached at one moment: every chain's newest row, its hash and how many
 * rows the chain held. Published outside the database (the channel, a file, an HTTP sink), it lets `audit verify`
 * prove that nothing it covers was removed, rewritten or replaced, which the chain alone cannot: whoever can write
 * the database can also rewrite the chain heads it is compared with.
 */
export interface Checkpoint {
  v: 1;
  at: string;
  /** The signing key's id: the first 16 hex digits of the sha256 of its raw public key. */
  key_id: string;
  rows: number;
  chains: Record<string, { last_id: number; last_hash: string; row_count: number }>;
}

export interface SignedCheckpoint {
  checkpoint: Checkpoint;
  /** Ed25519 over the sha256 of the checkpoint's canonical JSON (canonicalHash), base64. */
  signature: string;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

export type KeyParse<K> = { ok: true; key: K } | { ok: false; problem: string };

export function keyIdOf(publicKey: KeyObject): string {
  const raw = publicKey.export({ format: 'jwk' }).x ?? '';
  return createHash('sha256').update(Buffer.from(raw, 'base64url')).digest('hex').slice(0, 16);
}

// A key travels in one environment variable: PEM, or its DER in base64 on one line (what `audit keygen` prints).
const isPem = (text: string) => text.trim().startsWith('-----BEGIN');

export function parseSigningKey(text: string): KeyParse<SigningKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(isPem(text) ? text.trim() : { key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    return { ok: false, problem: 'not a private key (expected PEM, or base64 DER PKCS#8, as `backstop audit keygen` prints)' };
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') return { ok: false, problem: `an ${privateKey.asymmetricKeyType} key; checkpoints are signed with Ed25519` };
  const publicKey = createPublicKey(privateKey);
  return { ok: true, key: { privateKey, publicKey, keyId: keyIdOf(publicKey) } };
}

export function parsePublicKey(text: string): KeyParse<KeyObject> {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(isPem(text) ? text.trim() : { key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'spki' });
  } catch {
    return { ok: false, problem: 'not a public key (expected PEM, or base64 DER SPKI, as `backstop audit keygen` prints)' };
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') return { ok: false, problem: `an ${publicKey.asymmetricKeyType} key; checkpoints are signed with Ed25519` };
  return { ok: true, key: publicKey };
}

/** A fresh key pair, each as one line of base64 DER, ready for an environment file. */
export function generateSigningKey(): { privateKey: string; publicKey: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    keyId: keyIdOf(publicKey),
  };
}

export function signCheckpoint(heads: Map<number, ChainHead>, key: SigningKey, at: Date): SignedCheckpoint {
  const chains: Checkpoint['chains'] = {};
  let rows = 0;
  for (const [chain, head] of [...heads].sort(([a], [b]) => a - b)) {
    chains[String(chain)] = { last_id: head.lastId, last_hash: head.lastHash, row_count: head.rowCount };
    rows += head.rowCount;
  }
  const checkpoint: Checkpoint = { v: 1, at: at.toISOString(), key_id: key.keyId, rows, chains };
  return { checkpoint, signature: sign(null, Buffer.from(canonicalHash(checkpoint)), key.privateKey).toString('base64') };
}

export type SignatureVerdict = { ok: true } | { ok: false; problem: string };

/** Whether the checkpoint was signed by this key, and is unchanged since. A checkpoint from another key says so. */
export function verifyCheckpointSignature(signed: SignedCheckpoint, publicKey: KeyObject): SignatureVerdict {
  const keyId = keyIdOf(publicKey);
  if (signed.checkpoint.key_id !== keyId) {
    return { ok: false, problem: `the checkpoint of ${signed.checkpoint.at} was signed by another key (key ${signed.checkpoint.key_id}; this key is ${keyId})` };
  }
  const good = verify(null, Buffer.from(canonicalHash(signed.checkpoint)), publicKey, Buffer.from(signed.signature, 'base64'));
  return good ? { ok: true } : { ok: false, problem: `the checkpoint of ${signed.checkpoint.at} has a bad signature: it was altered after it was signed, or forged` };
}
