import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/harness.ts';
import { REDIS_URL } from '../support/pg-admin.ts';
import { freePort } from '../support/processes.ts';

// The README's first command, as a newcomer runs it: `npx backstop demo` in a checkout loads the sandbox package and
// serves the page. Only the port changes (a free one, not 3000), so the test can run beside others; the demo keeps its
// own database and queue prefix, as it does for anyone.

const README = readFileSync('README.md', 'utf8');

describe("the README's first command", () => {
  let demo: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    if (!demo?.pid) return;
    try {
      process.kill(-demo.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((r) => (demo!.exitCode !== null || demo!.signalCode !== null ? r(undefined) : demo!.once('exit', r)));
  }, 60_000);

  it('serves the sandbox page, and stops cleanly on Ctrl-C', async () => {
    const at = README.indexOf('\n## Try it in a minute\n');
    const block = /```sh\n([\s\S]*?)```/.exec(README.slice(at))?.[1]?.trim();
    expect(block).toBe('npm ci && npx backstop demo');
    const port = await freePort();
    // npm ci has run already (it is how this test runs); its own process group, so npx and its node stop together.
    demo = spawn('bash', ['-c', 'npx backstop demo'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', PORT: String(port), REDIS_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    demo.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    demo.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const url = await waitFor('the demo to print its address', async () => /open (http:\/\/localhost:\d+\/sandbox)/.exec(output)?.[1], 90_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
    expect(url).toBe(`http://localhost:${port}/sandbox`);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script');

    // Ctrl-C reaches the whole foreground group (bash, npx, node). npx and bash report the signal as their own end,
    // so what tells a clean stop is backstop's: the port closes, and nothing it printed is an error or a stack trace.
    process.kill(-demo.pid!, 'SIGINT');
    await new Promise((r) => (demo!.exitCode !== null || demo!.signalCode !== null ? r(undefined) : demo!.once('exit', r)));
    await waitFor('the port to close', async () => (await fetch(url).then(() => false, () => true)), 30_000, 100);
    expect(output).not.toMatch(/error|\n\s+at /i);
  }, 120_000);
});
