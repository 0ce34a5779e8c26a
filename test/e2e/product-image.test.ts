import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** The COPY lines `docker build .` runs: those of the last stage and of the stages it is built FROM, in order. */
function copiesOfDefaultTarget(dockerfile: string): string[][] {
  const stages = dockerfile.split(/^(?=FROM\s)/m).filter((s) => s.startsWith('FROM'));
  const named = new Map(stages.map((s) => [/^FROM\s+\S+\s+AS\s+(\S+)/i.exec(s)?.[1], s] as const));
  const chain: string[] = [];
  for (let stage = stages.at(-1); stage; stage = named.get(/^FROM\s+(\S+)/.exec(stage)?.[1])) chain.unshift(stage);
  // A COPY --from=<stage> takes what that stage built in its WORKDIR (/app): here, the same path in the checkout, where
  // the suite's `npm run build` made it.
  return chain.flatMap((s) =>
    [...s.matchAll(/^COPY\s+(.+)$/gm)].map((m) => {
      const parts = m[1]!.trim().split(/\s+/);
      return parts[0]!.startsWith('--from=') ? parts.slice(1).map((p, i, all) => (i < all.length - 1 ? p.replace(/^\/app\//, '') : p)) : parts;
    }),
  );
}

/**
 * The image's tree, built the way the Dockerfile builds it (its own COPY lines, `npm ci --omit=dev`), without a Docker
 * engine: what ships must be the product alone, and it must still start. npm installs from the cache the suite's own
 * `npm ci` filled, so the test needs no network.
 */
describe('the product image', () => {
  let app: string;

  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), 'backstop-image-'));
    const copies = copiesOfDefaultTarget(await readFile('Dockerfile', 'utf8'));
    expect(copies.length).toBeGreaterThan(0);
    for (const parts of copies) {
      const dest = parts.at(-1)!;
      for (const src of parts.slice(0, -1)) await cp(src, join(app, dest === './' ? src : dest), { recursive: true });
    }
    await run('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, timeout: 120_000 });
  }, 180_000);

  afterAll(async () => {
    if (app) await rm(app, { recursive: true, force: true });
  });

  it('carries no test double: neither the Discord emulator nor the sandbox, nor what only they need', async () => {
    const top = await readdir(app);
    expect(top).not.toContain('packages');
    const modules = await readdir(join(app, 'node_modules'));
    for (const doubleOnly of ['@backstop', 'discord-api-spec', '@skyra', 'vitest', 'playwright-core']) expect(modules).not.toContain(doubleOnly);
    expect(top).not.toContain('src');
    // The bundle imports a test double nowhere but in `demo`, which asks for the sandbox only when it runs: no static
    // import of one (the bundle is minified, so no space need stand between `from` and the name).
    const { stdout } = await run('grep', ['-rlE', `(from|import)\\s*["']@backstop/`, join(app, 'dist')]).catch((err: { code?: number; stdout?: string }) => {
      if (err.code === 1) return { stdout: '' }; // grep: no match
      throw err;
    });
    expect(stdout).toBe('');
  });

  it('starts, and `backstop demo` says the sandbox is not in this installation instead of crashing', async () => {
    const help = await run('node', ['bin/backstop.mjs', '--help'], { cwd: app, timeout: 60_000 });
    expect(help.stdout).toContain('start');
    const version = await run('node', ['bin/backstop.mjs', '--version'], { cwd: app, timeout: 60_000 });
    expect(version.stdout.trim()).toBe(JSON.parse(await readFile('package.json', 'utf8')).version);
    const demo = await run('node', ['bin/backstop.mjs', 'demo'], { cwd: app, timeout: 60_000, env: { ...process.env, DATABASE_URL: 'postgres://127.0.0.1:1/none' } }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(demo.code).not.toBe(0);
    expect(demo.stderr).toContain('the sandbox is not part of this installation');
    expect(demo.stderr).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
  });
});
