import { createHmac, timingSafeEqual } from 'node:crypto';

// GitHub signs every delivery with the webhook secret: X-Hub-Signature-256 is "sha256=" and the hex HMAC-SHA256 of the
// raw body. The HMAC must be taken over the bytes as received, before any JSON parsing, which is why the body is raw.
const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** True only when `header` is GitHub's signature of `rawBody` with `secret`; a missing or malformed header is false. */
export function verifyGithubSignature(secret: string, rawBody: string | Uint8Array, header: string | undefined): boolean {
  // An empty secret would make the signature something anyone can compute: treat it as "cannot verify".
  if (!secret || typeof header !== 'string') return false;
  const match = SIGNATURE.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  // Both sides are 32 bytes here (the pattern fixes the length), as timingSafeEqual requires.
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}
