import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// drizzle-kit check does not notice schema changes that were never generated, so generate into a copy and
// require that drizzle-kit finds nothing to generate.
describe('migrations', () => {
  it('include every change to src/db/schema (run `npm run db:generate` if this fails)', () => {
    // drizzle-kit resolves --out relative to the working directory, so the copy lives inside the project.
    const out = `.drizzle-check-${randomBytes(4).toString('hex')}`;
    try {
      cpSync('drizzle', out, { recursive: true });
      const before = readdirSync(out).sort();
      const log = execFileSync(
        'node_modules/.bin/drizzle-kit',
        ['generate', '--dialect', 'postgresql', '--schema', './src/db/schema/index.ts', '--out', out],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      expect(log).toContain('No schema changes');
      expect(readdirSync(out).sort()).toEqual(before);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
