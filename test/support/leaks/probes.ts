import { ChildProcess } from 'node:child_process';
import { Server } from 'node:net';
import { relative } from 'node:path';

// Records every timer, listening server and child process started in this test process, with where it was started,
// so the leak guard can name what a file left running. Only bookkeeping is added: behaviour is unchanged.

export interface Running {
  what: string;
  /** The stack at the start, kept unformatted until a leak is reported. */
  site: Error;
  stillRunning(): boolean;
  /** Stops it after it was reported, so one file's leak does not hold its worker open or spill into the next file. */
  stop(): void;
}

const running = new Set<Running>();

function siteOf(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  const site = new Error('started here');
  Error.stackTraceLimit = limit;
  return site;
}

/** The project's own frames (test/, src/, bin/), nearest first; a bare library stack when there are none. */
export function framesOf(site: Error, max = 4): string[] {
  const frames = (site.stack ?? '').split('\n').slice(1).map((l) => l.trim().replace(/^at /, ''));
  const skip = (f: string) => f.includes('/test/support/leaks/') || f.startsWith('node:') || f.includes('(node:');
  const ours = frames.filter((f) => !skip(f) && !f.includes('/node_modules/') && f.includes(process.cwd()));
  return (ours.length ? ours : frames.filter((f) => !skip(f))).slice(0, max).map((f) => f.replace(`${process.cwd()}/`, '').replace(/file:\/\//, ''));
}

/** Started by vitest itself (its own report timers), not by the file under test. */
const isRunners = (site: Error) => {
  const stack = site.stack ?? '';
  return /node_modules\/(vitest|@vitest)\//.test(stack) && !stack.includes(`${process.cwd()}/test/`) && !stack.includes(`${process.cwd()}/src/`);
};

function installTimers(): void {
  type Timer = ReturnType<typeof setTimeout>;
  const byTimer = new Map<Timer, Running>();
  const add = (timer: Timer, kind: string, ms: number | undefined) => {
    const site = siteOf();
    if (isRunners(site)) return;
    const entry: Running = { what: `${kind}(…, ${ms ?? 0})`, site, stillRunning: () => timer.hasRef(), stop: () => clearTimeout(timer) };
    byTimer.set(timer, entry);
    running.add(entry);
  };
  const forget = (timer: unknown) => {
    // clearTimeout also takes the timer's numeric id.
    const key = typeof timer === 'object' ? (timer as Timer) : [...byTimer.keys()].find((t) => Number(t) === Number(timer));
    const entry = key && byTimer.get(key);
    if (!entry) return;
    byTimer.delete(key);
    running.delete(entry);
  };
  const g = globalThis as any;
  const { setTimeout: realTimeout, setInterval: realInterval, clearTimeout: realClear, clearInterval: realClearInterval } = g;
  g.setTimeout = Object.assign(function (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) {
    const timer: Timer = realTimeout(function (this: unknown, ...a: unknown[]) {
      forget(timer);
      return fn.apply(this, a);
    }, ms, ...args);
    add(timer, 'setTimeout', ms);
    return timer;
  }, realTimeout);
  g.setInterval = Object.assign(function (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) {
    const timer: Timer = realInterval(fn, ms, ...args);
    add(timer, 'setInterval', ms);
    return timer;
  }, realInterval);
  g.clearTimeout = (timer: unknown) => (forget(timer), realClear(timer));
  g.clearInterval = (timer: unknown) => (forget(timer), realClearInterval(timer));
}

function installServers(): void {
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    const entry: Running = {
      what: 'server listening',
      site: siteOf(),
      stillRunning: () => this.listening,
      stop: () => {
        (this as { closeAllConnections?: () => void }).closeAllConnections?.();
        this.close();
      },
    };
    this.once('listening', () => {
      const a = this.address();
      entry.what = `server listening on ${typeof a === 'object' && a ? `${a.address}:${a.port}` : a}`;
    });
    this.once('close', () => running.delete(entry));
    running.add(entry);
    return listen.apply(this, args as Parameters<typeof listen>);
  } as typeof listen;
}

function installChildren(): void {
  const proto = ChildProcess.prototype as unknown as { spawn: (this: ChildProcess, ...a: unknown[]) => unknown };
  const spawn = proto.spawn;
  proto.spawn = function (this: ChildProcess, ...args: unknown[]) {
    const site = siteOf();
    const result = spawn.apply(this, args);
    const command = this.spawnargs.map((a) => (a.startsWith('/') ? relative(process.cwd(), a) || a : a)).join(' ');
    const entry: Running = {
      what: `child process ${command.length > 120 ? `${command.slice(0, 117)}…` : command} (pid ${this.pid})`,
      site,
      stillRunning: () => this.exitCode === null && this.signalCode === null && this.pid !== undefined,
      stop: () => void this.kill('SIGKILL'),
    };
    this.once('exit', () => running.delete(entry));
    this.once('error', () => running.delete(entry));
    running.add(entry);
    return result;
  };
}

let installed = false;
export function installProbes(): void {
  if (installed) return;
  installed = true;
  installTimers();
  installServers();
  installChildren();
}

/** What is running now that was started after installProbes(). */
export const stillRunning = (): Running[] => [...running].filter((r) => r.stillRunning());
