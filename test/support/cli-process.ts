import { execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

// The CLI as a user runs it: the built bin in a child process, its output piped (not a terminal), its exit code.

const run = promisify(execFile);
const CLI = resolve('bin/backstop.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `backstop …args` to its end. */
export async function cli(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export interface RunningCli {
  stdout(): string;
  stderr(): string;
  signal(name: NodeJS.Signals): void;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exit: Promise<number | string>;
}

/** Starts `backstop …args` and lets the test watch its output while it runs (--wait, Ctrl-C). */
export function startCli(env: Record<string, string>, ...args: string[]): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    stdout: () => out,
    stderr: () => err,
    signal: (name) => void child.kill(name),
    exit: new Promise((r) => child.once('close', (code, signal) => r(code ?? signal ?? -1))),
  };
}

/** Every warning the bin prints about a stale build (other work in the tree may be newer than dist/) removed. */
export const withoutStaleBuildNote = (stderr: string) => stderr.replace(/^backstop: src\/ changed since the last build.*\n/gm, '');
