import { describe, expect, it } from 'vitest';
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
});
