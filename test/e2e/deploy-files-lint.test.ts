import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

type Outcome = { code: number; output: string };
const outcome = (cmd: string, args: string[]): Promise<Outcome> =>
  run(cmd, args, { timeout: 60_000 }).then(
    (r) => ({ code: 0, output: r.stdout + r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof err.code === 'number' ? err.code : -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
  );

// The files an operator builds and runs backstop from, judged by the real tools rather than by our reading of them:
// the Dockerfile by a Dockerfile linter (dockerfile-utils, the linter behind the VS Code Docker language service;
// hadolint is in neither Debian nor npm), the compose file by docker-compose itself, whose `config` validates the file
// against the compose schema without a Docker engine.
describe('the deployment files pass their linters', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'backstop-lint-'));
  });
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('the Dockerfile has no error and no warning', async () => {
    const verdict = await outcome('node_modules/.bin/dockerfile-utils', ['lint', 'Dockerfile']);
    expect(verdict.output.trim()).toBe('');
    expect(verdict.code).toBe(0);
  });

  it('the Dockerfile linter does judge: a broken Dockerfile fails it', async () => {
    const broken = join(scratch, 'Dockerfile');
    await writeFile(broken, 'FROM node:26-trixie-slim\nEXPOSE http\nCMD ["a"]\nCMD ["b"]\n');
    const verdict = await outcome('node_modules/.bin/dockerfile-utils', ['lint', broken]);
    expect(verdict.code).not.toBe(0);
    expect(verdict.output).toContain('Invalid containerPort');
  });

  it.each([[[]], [['--profile', 'discord']], [['--profile', 'sandbox']]])('docker-compose %j config accepts docker-compose.yml', async (profile) => {
    const verdict = await outcome('docker-compose', [...profile, '-f', 'docker-compose.yml', 'config', '-q']);
    expect(verdict.output.trim()).toBe('');
    expect(verdict.code).toBe(0);
  });

  it('docker-compose does judge: an unknown key fails it', async () => {
    const broken = join(scratch, 'compose.yml');
    await writeFile(broken, 'services:\n  api:\n    image: backstop\n    helthcheck: {}\n');
    const verdict = await outcome('docker-compose', ['-f', broken, 'config', '-q']);
    expect(verdict.code).not.toBe(0);
    expect(verdict.output).toContain('helthcheck');
  });
});
