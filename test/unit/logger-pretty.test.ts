import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.ts';

const collect = () => {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk, _enc, cb) => (lines.push(chunk.toString()), cb()) });
  return { lines, destination };
};

describe('LOG_PRETTY without pino-pretty (a production install)', () => {
  it('logs JSON and says once why it is not pretty', () => {
    const { lines, destination } = collect();
    const logger = createLogger({ level: 'info', pretty: true, destination, locatePretty: () => null });
    logger.info({ eventId: 'e1' }, 'still logging');
    const records = lines.map((l) => JSON.parse(l) as { level: number; msg: string; eventId?: string });
    expect(records.filter((r) => r.level === 40).map((r) => r.msg)).toEqual([expect.stringMatching(/pino-pretty is not installed.*JSON/)]);
    expect(records.at(-1)).toMatchObject({ msg: 'still logging', eventId: 'e1' });
  });

  it('says nothing when pretty output was not asked for', () => {
    const { lines, destination } = collect();
    createLogger({ level: 'info', destination, locatePretty: () => null }).info('plain');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['plain']);
  });
});
