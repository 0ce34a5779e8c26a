import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCommandExecutor } from '../../../src/executors/command.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { executionRequest } from '../../support/execution-request.ts';

const logger = createLogger({ level: 'silent' });
const fixture = (name: string) => resolve('test/fixtures/executors', name);
const executor = (argv: string[], timeout = 10_000) =>
  createCommandExecutor({ kind: 'command', argv, timeout, idempotent: false }, { logger, baseEnv: { PATH: process.env.PATH } });

describe('command executor (real processes)', () => {
  it('passes the rollback as environment variables, streams lines in order, and never turns input into shell text', async () => {
    const req = executionRequest();
    const injection = '$(touch /tmp/backstop-pwned); rm -rf /nonexistent';
    const outcome = await executor([fixture('echo-env.sh'), injection]).execute(req);
    expect(outcome).toEqual({ ok: true, summary: 'last', details: { exit_code: 0 } });
    // The start was reported, with the pid, before the program ran.
    expect(req.started).toEqual([{ pid: expect.any(Number) }]);
    expect(req.lines).toEqual(
      expect.arrayContaining([
        `target=v2.5.2 commit=a7f3b29 key=${req.idempotencyKey} mode=full`,
        'secret=unset',
        `arg=${injection}`,
        'stderr: partial line without newline',
        'last',
      ]),
    );
    expect(req.lines.indexOf('secret=unset')).toBeLessThan(req.lines.indexOf(`arg=${injection}`));
    expect(existsSync('/tmp/backstop-pwned')).toBe(false);
  });

  it('turns a non-zero exit into a failure that quotes the last line', async () => {
    const outcome = await executor([fixture('fail.sh')]).execute(executionRequest());
    expect(outcome).toMatchObject({ ok: false, retryable: false, reason: 'exited with code 3: stderr: database is locked'.replace('stderr: ', '') });
  });

  it('kills a command that runs past its timeout', async () => {
    const started = Date.now();
    const outcome = await executor([fixture('slow.sh')], 300).execute(executionRequest());
    expect(outcome).toMatchObject({ ok: false, retryable: false, reason: 'timed out after 300ms' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a program that does not exist', async () => {
    const outcome = await executor(['./no-such-rollback.sh']).execute(executionRequest());
    expect(outcome).toEqual({ ok: false, retryable: false, reason: 'cannot start ./no-such-rollback.sh: not found' });
  });

  it('is resumable only when declared idempotent', () => {
    expect(executor(['true']).resumable).toBe(false);
    expect(createCommandExecutor({ kind: 'command', argv: ['true'], timeout: 1000, idempotent: true }, { logger }).resumable).toBe(true);
  });
});
