import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/harness.ts';
import { REDIS_URL } from '../support/pg-admin.ts';
import { freePort } from '../support/processes.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-db.ts';

// A supervisor (docker stop, systemd, a CI runner) stops backstop with SIGTERM sent to the process it started. However
// backstop was started, the backstop process itself must shut down then, not be orphaned and keep serving.

const LAUNCHERS: Array<[string, string[]]> = [
  ['the bin', [process.execPath, resolve('bin/backstop.mjs'), 'start']],
  ['npm start', ['npm', 'start']],
  ['npx backstop start', ['npx', 'backstop', 'start']],
];

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('SIGTERM to whatever started backstop', () => {
  let db: TestDatabase;
  const started: ChildProcess[] = [];
  const backstopPids: number[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const pid of backstopPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await db?.drop();
  });

  it.each(LAUNCHERS)('stops backstop when %s gets SIGTERM', async (_name, [command, ...args]) => {
    const port = await freePort();
    const launcher = spawn(command!, args, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: db.url,
        REDIS_URL,
        BACKSTOP_CONFIG: resolve('examples/backstop.example.yaml'),
        BACKSTOP_QUEUE_PREFIX: `sig${port}`,
        BACKSTOP_TOKEN_CI: 'ci-token',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(launcher);
    let output = '';
    launcher.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    launcher.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    // The backstop process is the one that logs "api listening", with its pid: under npm it is a grandchild.
    const listening = () => output.split('\n').find((l) => l.includes('"msg":"api listening"'));
    // A loaded CI machine runs this beside two other files: the bound is generous, and a miss says what was printed.
    await waitFor('backstop to listen', async () => Boolean(listening()), 120_000, 50).catch((err: Error) => {
      throw new Error(`${err.message} (${command} ${args.join(' ')}); output:\n${output.slice(-3_000)}`);
    });
    const pid = (JSON.parse(listening()!) as { pid: number }).pid;
    backstopPids.push(pid);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    launcher.kill('SIGTERM');
    await waitFor(`backstop (pid ${pid}) to exit after SIGTERM to ${command}; output:\n${output.slice(-2_000)}`, async () => !isAlive(pid), 30_000, 50);
    expect(output).toMatch(/"msg":"shutting down"/);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 180_000);
});
