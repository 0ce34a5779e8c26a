import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

// backstop as a user installs it from a package: `npm pack` (which builds), then `npm install <tarball>` in an empty
// folder, and the installed command run from there. What ships is the bundle: no TypeScript, no tsx.
describe('the packed tarball', () => {
  let dir: string;
  let tarball: string;
  const version = async () => (JSON.parse(await readFile('package.json', 'utf8')) as { version: string }).version;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backstop-pack-'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { timeout: 120_000 });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(dir, info!.filename);
    const app = join(dir, 'app');
    await run('mkdir', [app]);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'my-deploys', private: true }));
    // The registry is needed only for what the suite's own install has not cached.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, timeout: 300_000 });
  }, 420_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds the bundle, the migrations and the examples, and no TypeScript source', async () => {
    const listed = await run('tar', ['-tzf', tarball]);
    const files = listed.stdout.trim().split('\n');
    expect(files).toContain('package/bin/backstop.mjs');
    expect(files).toContain('package/dist/cli.js');
    expect(files).toContain('package/drizzle/meta/_journal.json');
    expect(files).toContain('package/examples/backstop.example.yaml');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it('runs `backstop --version` and `backstop config check` from the installed command', async () => {
    const app = join(dir, 'app');
    const bin = join(app, 'node_modules/.bin/backstop');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
    const v = await run(bin, ['--version'], { cwd: app, env });
    expect(v.stdout.trim()).toBe(await version());
    expect(await readdir(join(app, 'node_modules'))).not.toContain('tsx');

    const example = join(app, 'node_modules/backstop/examples/backstop.example.yaml');
    const ok = await run(bin, ['config', 'check', example], { cwd: app, env });
    expect(ok.stdout).toContain(`${example}: OK`);

    const broken = join(app, 'broken.yaml');
    await writeFile(broken, (await readFile(resolve('examples/backstop.example.yaml'), 'utf8')).replace(/^environments:/m, 'enviroments:'));
    const bad = await run(bin, ['config', 'check', broken], { cwd: app, env }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(broken);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
