import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

// A GitHub App authenticates as itself with a JWT signed RS256 by its private key. GitHub's rules: iss is the app id
// (or client id), iat is backdated 60 s against clock drift, exp is at most 10 minutes ahead. The JWT is only good for
// asking for installation tokens, so it is made fresh each time one is needed.

const BACKDATE_S = 60;
/** exp is counted from the backdated iat: iat + 600 s is 9 minutes from now, inside GitHub's 10-minute limit. */
const LIFETIME_S = 600;

export type AppKeyResult = { ok: true; key: KeyObject } | { ok: false; problem: string };

/**
 * Reads the App's PEM private key (GitHub hands out PKCS#1, "BEGIN RSA PRIVATE KEY"; PKCS#8 works too), so that a wrong
 * key is reported once, at startup, instead of at the first deployment.
 */
export function loadAppPrivateKey(pem: string): AppKeyResult {
  // Keys kept in an environment variable often arrive with their line breaks escaped as "\n".
  const text = pem.includes('\\n') && !pem.includes('\n') ? pem.replace(/\\n/g, '\n') : pem;
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (err) {
    return { ok: false, problem: `the GitHub App private key is not a readable PEM private key (${(err as Error).message})` };
  }
  if (key.asymmetricKeyType !== 'rsa') return { ok: false, problem: `the GitHub App private key is ${key.asymmetricKeyType ?? 'not an asymmetric'} key; GitHub Apps use RSA` };
  return { ok: true, key };
}

export interface AppJwt {
  jwt: string;
  expiresAt: Date;
}

/** The App's JWT at `now`: header {alg: RS256, typ: JWT}, claims {iat, exp, iss}. */
export function createAppJwt(appId: string | number, key: KeyObject, now: Date): AppJwt {
  const iat = Math.floor(now.getTime() / 1000) - BACKDATE_S;
  const exp = iat + LIFETIME_S;
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signingInput = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat, exp, iss: String(appId) })}`;
  const signature = sign('sha256', Buffer.from(signingInput), key).toString('base64url');
  return { jwt: `${signingInput}.${signature}`, expiresAt: new Date(exp * 1000) };
}
