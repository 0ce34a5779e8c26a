import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = resolve('bin/backstop.mjs');
// bin/backstop.mjs says so when src/ is newer than the bundle; others may be editing src/ while this runs.
const STALE_BUILD = /^backstop: src\/ changed since the last build/;

// `backstop config check` as a person runs it (after `npm run build`): the bundle, a file they broke, only PATH and HOME.
async function configCheck(args: string[], extraEnv: Record<string, string> = {}) {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...extraEnv };
  const done = await run(process.execPath, [CLI, 'config', 'check', ...args], { env, timeout: 30_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
  const stderr = done.stderr.split('\n').filter((l) => l !== '' && !STALE_BUILD.test(l));
  return { code: done.code, stdout: done.stdout, stderr };
}

describe('backstop config check', () => {
  let dir: string;
  let example: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backstop-config-check-'));
    example = await readFile(resolve('test/unit/config/fixtures/backstop.yaml'), 'utf8');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function fileWith(name: string, ...edits: Array<[string, string]>): Promise<string> {
    const text = edits.reduce((t, [from, to]) => {
      expect(t.includes(from), from).toBe(true);
      return t.replace(from, to);
    }, example);
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('prints each error as file:line:column, in file order, then the count, and exits 1', async () => {
    const file = await fileWith(
      'backstop.yaml',
      ['    expires_after: 15m', '    expire_after: 15m'],
      ['kind: webhook', 'kind: webhok'],
      ['    window: 30s ', '    window: 5 mins '],
    );
    const { code, stdout, stderr } = await configCheck([file]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toEqual([
      `${file}:73:5: defaults.approvals.expire_after: unknown key "expire_after"; did you mean "expires_after"?`,
      `${file}:78:13: defaults.verification.window: expected a duration such as 30s, 15m or 1h, got "5 mins"`,
      `${file}:96:15: services.payments.executors.production.kind: unknown kind "webhok"; expected one of command, webhook, github-actions; did you mean "webhook"?`,
      `3 errors in ${file}`,
    ]);
  });

  it('backstop start refuses the same file with the same placed errors, and exits 2 before it opens anything', async () => {
    const file = await fileWith('start.yaml', ['kind: webhook', 'kind: webhok']);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', BACKSTOP_CONFIG: file, DATABASE_URL: 'postgres://127.0.0.1:1/none' };
    const done = await run(process.execPath, [CLI, 'start'], { env, timeout: 30_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(done.code).toBe(2);
    expect(done.stderr.split('\n').filter((l) => l !== '' && !STALE_BUILD.test(l))).toEqual([
      `${file} is invalid:`,
      `  ${file}:96:15: services.payments.executors.production.kind: unknown kind "webhok"; expected one of command, webhook, github-actions; did you mean "webhook"?`,
      `  (\`backstop config check ${file}\` checks it without starting anything)`,
    ]);
  });

  it('--json gives the same errors as data', async () => {
    const file = await fileWith('json.yaml', ['kind: webhook', 'kind: webhok']);
    const { code, stdout } = await configCheck([file, '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      ok: false,
      file,
      errors: [
        {
          line: 96,
          column: 15,
          path: 'services.payments.executors.production.kind',
          message: 'unknown kind "webhok"; expected one of command, webhook, github-actions; did you mean "webhook"?',
          value: 'webhok',
          expected: ['command', 'webhook', 'github-actions'],
          suggestion: 'webhook',
        },
      ],
    });
  });

  it('keeps a valid file to one line, with plurals right, and notes the tokens that have no value', async () => {
    const file = await fileWith('ok.yaml');
    const tokens = { BACKSTOP_TOKEN_CI: 'x', BACKSTOP_TOKEN_ALICE: 'x', BACKSTOP_TOKEN_BOB: 'x', BACKSTOP_TOKEN_GATEWAY: 'x' };
    const human = await configCheck([file], tokens);
    expect(human.code, human.stderr.join('\n')).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: OK \\(policy [0-9a-f]{12}; 1 service, 2 environments, 5 API tokens\\)\\n  note: token "alertmanager" has no value \\(set BACKSTOP_TOKEN_ALERTMANAGER\\); it cannot be used\\n$`));

    const json = await configCheck([file, '--json'], tokens);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      file,
      errors: [],
      summary: { policy_version: expect.stringMatching(/^[0-9a-f]{12}$/), services: 1, environments: 2, api_tokens: 5, tokens_without_value: ['alertmanager'], github_app_problem: null },
    });
  });

  it("notes a GitHub App whose secrets this environment lacks, or whose key is not a key, as startup would refuse it", async () => {
    const file = join(dir, 'github.yaml');
    await writeFile(file, `${example}\ngithub_app:\n  app_id: 123456\n  private_key_env: GITHUB_APP_PRIVATE_KEY\n  webhook_secret_env: GITHUB_WEBHOOK_SECRET\n`);
    const unset = await configCheck([file]);
    expect(unset.code, unset.stderr.join('\n')).toBe(0);
    expect(unset.stdout).toContain('  note: github_app.private_key_env: GITHUB_APP_PRIVATE_KEY is not set (the App\'s private key, PEM): backstop will not start with this environment\n');
    const notAKey = await configCheck([file, '--json'], { GITHUB_APP_PRIVATE_KEY: 'hunter2', GITHUB_WEBHOOK_SECRET: 's' });
    expect(JSON.parse(notAKey.stdout).summary.github_app_problem).toMatch(/^github_app\.private_key_env: GITHUB_APP_PRIVATE_KEY: the GitHub App private key is not a readable PEM private key/);
    expect(notAKey.stdout).not.toContain('hunter2');
  });

  it('names a file it cannot read, and an environment variable it cannot use, the way it always has', async () => {
    const missing = join(dir, 'nope.yaml');
    const { code, stderr } = await configCheck([missing], { PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr).toEqual(['environment PORT: expected a number', `${missing}: file not found`, `1 error in ${missing}`]);
  });
});
