import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../../src/audit/checkpoint.ts';
import { parseEnv } from '../../../src/main/env.ts';

describe('the environment', () => {
  it('treats an empty variable as unset, as docker-compose passes `${DISCORD_TOKEN:-}`', () => {
    const r = parseEnv({ DISCORD_TOKEN: '', DISCORD_APPLICATION_ID: '' });
    expect(r.ok && r.env.DISCORD_TOKEN).toBe(undefined);
  });

  it('names the variable and what is wrong with it', () => {
    const r = parseEnv({ DISCORD_APPLICATION_ID: 'my-app', DISCORD_API_URL: 'not a url' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path).sort()).toEqual(['DISCORD_API_URL', 'DISCORD_APPLICATION_ID']);
  });

  it('collects API token values from BACKSTOP_TOKEN_<NAME>', () => {
    const r = parseEnv({ BACKSTOP_TOKEN_ON_CALL: 's3cret' });
    expect(r.ok && r.env.tokens).toEqual({ ON_CALL: 's3cret' });
  });

  it('parses the audit checkpoint keys once, and names a bad one by its problem without echoing it', () => {
    const pair = generateSigningKey();
    const good = parseEnv({ BACKSTOP_AUDIT_SIGNING_KEY: pair.privateKey, BACKSTOP_AUDIT_PUBLIC_KEY: pair.publicKey });
    expect(good.ok && [good.env.BACKSTOP_AUDIT_SIGNING_KEY?.keyId, good.env.BACKSTOP_AUDIT_PUBLIC_KEY?.asymmetricKeyType]).toEqual([pair.keyId, 'ed25519']);
    const bad = parseEnv({ BACKSTOP_AUDIT_SIGNING_KEY: 'hunter2', BACKSTOP_AUDIT_PUBLIC_KEY: pair.privateKey });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.map((e) => `${e.path}: ${e.message}`).sort()).toEqual([
        'BACKSTOP_AUDIT_PUBLIC_KEY: not a public key (expected PEM, or base64 DER SPKI, as `backstop audit keygen` prints)',
        'BACKSTOP_AUDIT_SIGNING_KEY: not a private key (expected PEM, or base64 DER PKCS#8, as `backstop audit keygen` prints)',
      ]);
    }
  });
});
