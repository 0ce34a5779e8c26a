import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyGithubSignature } from '../../../src/github/webhook-signature.ts';

const SECRET = "It's a Secret to Everybody";
const BODY = '{"action":"requested","environment":"production"}';
const sign = (body: string | Uint8Array, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('verifyGithubSignature', () => {
  it("matches GitHub's documented example (secret \"It's a Secret to Everybody\", payload \"Hello, World!\")", () => {
    const header = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(verifyGithubSignature(SECRET, 'Hello, World!', header)).toBe(true);
  });

  const good = sign(BODY);
  it.each([
    ['the right signature', SECRET, BODY, good, true],
    ['the right signature over the raw bytes', SECRET, new TextEncoder().encode(BODY), good, true],
    ['upper-case hex', SECRET, BODY, `sha256=${good.slice(7).toUpperCase()}`, true],
    ['a signature made with another secret', SECRET, BODY, sign(BODY, 'another secret'), false],
    ['a tampered body', SECRET, BODY.replace('production', 'staging'), good, false],
    ['a body with one more space', SECRET, `${BODY} `, good, false],
    ['no header', SECRET, BODY, undefined, false],
    ['an empty header', SECRET, BODY, '', false],
    ['the sha1 prefix', SECRET, BODY, good.replace('sha256=', 'sha1='), false],
    ['no prefix', SECRET, BODY, good.slice(7), false],
    ['a shorter digest', SECRET, BODY, good.slice(0, -2), false],
    ['a longer digest', SECRET, BODY, `${good}00`, false],
    ['non-hex characters', SECRET, BODY, `${good.slice(0, -1)}z`, false],
    ['spaces around the header', SECRET, BODY, ` ${good} `, false],
    ['an empty secret, even with a matching signature', '', BODY, sign(BODY, ''), false],
  ])('%s → %s', (_what, secret, body, header, expected) => {
    expect(verifyGithubSignature(secret as string, body as string | Uint8Array, header as string | undefined)).toBe(expected);
  });
});
