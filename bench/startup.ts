// Startup: what a person and an orchestrator wait for. `backstop --help` and `--version`, `backstop start` until
// /health answers 200, and each role's resident memory once it is up and idle, next to floors measured in the same
// run: `node -e ''` for a command, and a bare node HTTP server for the time to /health and for memory. The roles run
// the compiled dist/ through bin/backstop.mjs, as an installed backstop does (`npm run build` first). Runs on an empty
// database and on a generated year.
// Usage: npm run build && node bin/run-ts.mjs bench/startup.ts [runs]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../test/support/processes.ts';
import { DATASETS, pct, REDIS, round, runBench, withBenchDatabase, type Dataset } from './support.ts';

const RUNS = Number(process.argv[2] ?? 7);
const BIN = resolve('bin/backstop.mjs');
const IDLE_MS = 3_000;
const GOALS = { helpMs: 250, healthMs: 600, rssMb: 90 };

const median = (xs: number[]) => pct(xs, 50);

/** Wall time of a command that exits, median and p90 of RUNS runs. */
function timeCommand(argv: string[]): { p50: number; p90: number } {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, argv, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { p50: round(median(times)), p90: round(pct(times, 90)) };
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
// CPU time (user + system, all threads, in Linux's 10 ms ticks) a process has used so far: on a machine shared with
// other work, wall time measures the neighbours too, and this much less.
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((r) => (child.once('exit', () => r()), child.kill('SIGTERM')));
}

/** Spawns `argv`, and resolves once `ready()` holds: the ms it took, and the process (still running). */
async function until(argv: string[], env: NodeJS.ProcessEnv, ready: (out: string) => Promise<boolean> | boolean): Promise<{ ms: number; child: ChildProcess }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited ${child.exitCode}:\n${out.slice(-2000)}`);
    if (await ready(out)) return { ms: Number(process.hrtime.bigint() - started) / 1e6, child };
    if (Number(process.hrtime.bigint() - started) / 1e6 > 60_000) throw new Error(`${argv.join(' ')} not ready in 60 s:\n${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const healthy = (port: number) => async () => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) })).status === 200;
  } catch {
    return false;
  }
};

function roleEnv(databaseUrl: string, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: databaseUrl,
    REDIS_URL: REDIS,
    BACKSTOP_CONFIG: resolve('examples/backstop.example.yaml'),
    BACKSTOP_QUEUE_PREFIX: `startup${port}`,
    BACKSTOP_TOKEN_CI: 'ci-token',
    BACKSTOP_TOKEN_ALICE: 'alice-token',
    BACKSTOP_TOKEN_BOB: 'bob-token',
    PORT: String(port),
    HOST: '127.0.0.1',
    BACKSTOP_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  };
}

const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')`;

/** The floor: a bare node HTTP server, until it answers 200. */
async function startBareServer(): Promise<{ ms: number; child: ChildProcess }> {
  const port = await freePort();
  const answers = async () => (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.status).catch(() => 0)) === 200;
  return until(['-e', BARE_SERVER], { PATH: process.env.PATH, PORT: String(port) }, answers);
}

async function startupOn(dataset: Dataset): Promise<void> {
  await withBenchDatabase(async (url) => {
    // The first start migrates an empty database; the figures are of the starts after it, as in production.
    {
      const port = await freePort();
      const first = await until([BIN, 'start'], roleEnv(url, port), healthy(port));
      await stop(first.child);
    }
    const health: number[] = [];
    const healthCpu: number[] = [];
    const bare: number[] = [];
    const bareCpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const port = await freePort();
      const run = await until([BIN, 'start'], roleEnv(url, port), healthy(port));
      health.push(run.ms);
      healthCpu.push(cpuMs(run.child.pid!));
      await stop(run.child);
      const floor = await startBareServer();
      bare.push(floor.ms);
      bareCpu.push(cpuMs(floor.child.pid!));
      await stop(floor.child);
    }
    console.log(
      `[${dataset}] backstop start → /health 200: p50 ${round(median(health))} ms, p90 ${round(pct(health, 90))} ms (goal < ${GOALS.healthMs} ms), CPU p50 ${round(median(healthCpu))} ms; ` +
        `floor, a bare node HTTP server → 200: p50 ${round(median(bare))} ms, CPU p50 ${round(median(bareCpu))} ms`,
    );

    // Memory once up and idle: each role alone, and `start` with all of them.
    const roles: Array<[string, (port: number) => (out: string) => Promise<boolean> | boolean]> = [
      ['start', (port) => healthy(port)],
      ['api', (port) => healthy(port)],
      ['worker', () => (out) => out.includes('rollback worker started')],
    ];
    const rss: string[] = [];
    for (const [role, ready] of roles) {
      const port = await freePort();
      const run = await until([BIN, role], roleEnv(url, port), ready(port));
      await new Promise((r) => setTimeout(r, IDLE_MS));
      rss.push(`${role} ${round(rssMb(run.child.pid!))} MB`);
      await stop(run.child);
    }
    const floor = await startBareServer();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const floorRss = round(rssMb(floor.child.pid!));
    await stop(floor.child);
    console.log(`[${dataset}] idle RSS after ${IDLE_MS / 1000} s: ${rss.join(', ')} (goal < ${GOALS.rssMb} MB each); floor, a bare node HTTP server: ${floorRss} MB`);
  }, dataset);
}

runBench(async () => {
  if (!existsSync(resolve('dist/cli.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const floor = timeCommand(['-e', '']);
  const help = timeCommand([BIN, '--help']);
  const version = timeCommand([BIN, '--version']);
  console.log(`backstop --help: p50 ${help.p50} ms, p90 ${help.p90} ms (goal < ${GOALS.helpMs} ms); --version: p50 ${version.p50} ms; floor, node -e '': p50 ${floor.p50} ms, p90 ${floor.p90} ms`);
  for (const dataset of DATASETS) await startupOn(dataset);
});
