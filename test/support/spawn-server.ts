import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackClose } from './leaks/track.ts';
import { exited, freePort } from './processes.ts';

export interface ServerProcess {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The private temp dir (config and data); removed by close(). */
  dir: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr (the tail, when it is long). */
  output(): string;
  close(): Promise<void>;
}

export interface SpawnServerOptions {
  name: string;
  binary: string;
  /** Writes the config into the temp dir; called once, before the first start. */
  prepare(dir: string): Promise<void>;
  args(dir: string, port: number): string[];
  /** Answers true when the server on this port is ours (a leftover daemon on a reused port would also answer /-/ready). */
  isOurs(url: string, dir: string): Promise<boolean>;
  readyTimeoutMs?: number;
}

const OUTPUT_LIMIT = 64 * 1024;
const live = new Set<ChildProcess>();
// A test run that dies before afterAll must not leave servers behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts a Prometheus-family server on a free loopback port with its own temp dir and waits for GET /-/ready.
 * freePort() can race with another process taking the port, so a start that fails on "address already in use" is
 * retried on a fresh port.
 */
export async function spawnServer(opts: SpawnServerOptions): Promise<ServerProcess> {
  const dir = await mkdtemp(join(tmpdir(), `backstop-${opts.name}-`));
  try {
    await opts.prepare(dir);
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const started = await startOnce(opts, dir, port);
      if (started.ok) return started.server;
      lastError = started.error;
      if (!started.portTaken) break;
    }
    throw lastError ?? new Error(`${opts.name} did not start`);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

type StartResult = { ok: true; server: ServerProcess } | { ok: false; error: Error; portTaken: boolean };

async function startOnce(opts: SpawnServerOptions, dir: string, port: number): Promise<StartResult> {
  const child = spawn(opts.binary, opts.args(dir, port), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > OUTPUT_LIMIT) out = out.slice(-OUTPUT_LIMIT);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited(child);
      clearTimeout(timer);
    }
    live.delete(child);
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await stop();
      const why = spawnError ? spawnError.message : `exited with ${child.exitCode ?? child.signalCode}`;
      return { ok: false, portTaken: /address already in use/.test(out), error: new Error(`${opts.name} ${why} before it was ready:\n${out}`) };
    }
    if (await answers(`${url}/-/ready`)) {
      if (await opts.isOurs(url, dir).catch(() => false)) {
        let closed: Promise<void> | undefined;
        const close = () =>
          (closed ??= (async () => {
            await stop();
            await rm(dir, { recursive: true, force: true });
          })());
        return { ok: true, server: trackClose(`${opts.name} on ${url}`, { url, port, dir, child, output: () => out, close }) };
      }
      await stop();
      return { ok: false, portTaken: true, error: new Error(`another server answers on ${url}; ${opts.name} output:\n${out}`) };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  return { ok: false, portTaken: false, error: new Error(`${opts.name} was not ready on ${url} within ${opts.readyTimeoutMs ?? 20_000} ms:\n${out}`) };
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
