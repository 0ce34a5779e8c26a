import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskUrlCredentials } from '../../src/logging/logger.ts';

describe('logger redaction', () => {
  it('censors tokens and masks credentials inside URLs', () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, cb) => (lines.push(chunk.toString()), cb()) });
    const logger = createLogger({ level: 'info', destination });
    logger.info({ token: 'abc', headers: { authorization: 'Bearer xyz' }, url: 'postgres://backstop:s3cret@db:5432/ops' }, 'connecting');
    logger.error({ err: new Error('connect to redis://:pa55@cache:6379 failed') }, 'boom');
    const out = lines.join('');
    expect(out).not.toMatch(/abc|xyz|s3cret|pa55/);
    expect(out).toContain('postgres://***@db:5432/ops');
    expect(out).toContain('[redacted]');
  });

  it.each([
    ['https://user:pass@example.com/x', 'https://***@example.com/x'],
    ['redis://:secret@h:6379', 'redis://***@h:6379'],
    ['http://example.com/no-creds', 'http://example.com/no-creds'],
  ])('%s → %s', (input, output) => expect(maskUrlCredentials(input)).toBe(output));
});
