import { spawn } from 'node:child_process';
import { formatDuration } from '../config/duration.ts';
import type { CommandExecutorConfig } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { ExecutionOutcome, ExecutionRequest, Executor } from './types.ts';

const MAX_LINE = 2_000;
const KILL_GRACE_MS = 5_000;

export interface CommandExecutorDeps {
  logger: Logger;
  /** PATH, HOME, LANG for the child; the script gets nothing else from backstop's own environment. */
  baseEnv?: Record<string, string | undefined>;
}

/** Splits a byte stream into lines, calling `emit` per complete line; flush() emits the remainder. */
function lineSplitter(emit: (line: string) => void) {
  let buf = '';
  return {
    push(chunk: Buffer) {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        emit(buf.slice(0, i).replace(/\r$/, '').slice(0, MAX_LINE));
        buf = buf.slice(i + 1);
      }
      if (buf.length > MAX_LINE * 4) {
        emit(buf.slice(0, MAX_LINE));
        buf = '';
      }
    },
    flush() {
      if (buf) emit(buf.replace(/\r$/, '').slice(0, MAX_LINE));
      buf = '';
    },
  };
}

// Waits for one line on stdin (the caller's go-ahead), then becomes the configured program. A closed pipe without
// the line (the worker died, or could not record the start) exits 97 without running it.
const START_GATE = 'IFS= read -r _ || exit 97; exec "$@"';

// Runs the configured program with an argv array: never a shell, and nothing from user input in argv. What the
// script needs to know arrives as BACKSTOP_* environment variables.
export function createCommandExecutor(config: CommandExecutorConfig, deps: CommandExecutorDeps): Executor {
  return {
    kind: 'command',
    resumable: config.idempotent,
    execute(req: ExecutionRequest): Promise<ExecutionOutcome> {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(deps.baseEnv ?? {})) if (v !== undefined) env[k] = v;
      Object.assign(env, {
        BACKSTOP_EVENT_ID: req.eventId,
        BACKSTOP_IDEMPOTENCY_KEY: req.idempotencyKey,
        BACKSTOP_SERVICE: req.plan.service,
        BACKSTOP_ENVIRONMENT: req.plan.environment,
        BACKSTOP_TARGET_DEPLOYMENT_ID: req.plan.target.deployment_id,
        BACKSTOP_TARGET_VERSION: req.plan.target.version,
        BACKSTOP_TARGET_COMMIT: req.plan.target.git_commit,
        BACKSTOP_FROM_VERSION: req.plan.from.version,
        BACKSTOP_FROM_COMMIT: req.plan.from.git_commit,
        BACKSTOP_ROLLBACK_MODE: req.plan.mode,
        BACKSTOP_PLAN_JSON: JSON.stringify(req.plan),
      });
      return new Promise((resolve) => {
        const tail: string[] = [];
        let lastStdout = '';
        const keep = (line: string) => {
          tail.push(line);
          if (tail.length > 20) tail.shift();
        };
        // Its own process group, so a timeout stops the script and everything it started, not just the script.
        // The program is started behind a fixed gate (START_GATE: the argv passes through as "$@", never as shell
        // text) that execs it only once the start is recorded: a worker that dies before that closes the pipe, the
        // gate exits without running anything, and the rollback is provably safe to start again.
        const child = spawn('/bin/sh', ['-c', START_GATE, 'backstop-executor', ...config.argv], {
          shell: false,
          cwd: config.cwd,
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
          detached: true,
        });
        child.stdin.on('error', () => undefined); // the gate may be gone already (killed on a timeout)
        child.once('spawn', () => {
          req
            .onStarted({ pid: child.pid ?? null })
            .then(() => child.stdin.end('go\n'))
            .catch((e: unknown) => {
              // Not recorded, so not released: the gate sees the pipe close and exits; nothing ran.
              child.stdin.destroy();
              startRefused = `could not record the start (${(e as Error).message}); nothing was started`;
            });
        });
        const signalGroup = (sig: NodeJS.Signals) => {
          try {
            if (child.pid) process.kill(-child.pid, sig);
          } catch {
            // already gone
          }
        };
        const out = lineSplitter((line) => {
          keep(line);
          if (line.trim()) lastStdout = line;
          req.onProgress(line);
        });
        const err = lineSplitter((line) => {
          keep(line);
          req.onProgress(`stderr: ${line}`);
        });
        child.stdout.on('data', (c: Buffer) => out.push(c));
        child.stderr.on('data', (c: Buffer) => err.push(c));

        let stopped: string | null = null;
        let startRefused: string | null = null;
        let killTimer: NodeJS.Timeout | undefined;
        const stop = (why: string) => {
          if (stopped) return;
          stopped = why;
          signalGroup('SIGTERM');
          killTimer = setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS);
        };
        const timer = setTimeout(() => stop(`timed out after ${formatDuration(config.timeout)}`), config.timeout);
        const onAbort = () => stop('aborted');
        req.signal.addEventListener('abort', onAbort, { once: true });

        let settled = false;
        const finish = (outcome: ExecutionOutcome) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          clearTimeout(killTimer);
          req.signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        };
        child.on('error', (e: NodeJS.ErrnoException) => {
          const why = e.code === 'ENOENT' ? 'not found' : e.code === 'EACCES' ? 'permission denied' : e.message;
          deps.logger.warn({ eventId: req.eventId, err: e }, 'command executor could not start');
          finish({ ok: false, retryable: false, reason: `cannot start ${config.argv[0]}: ${why}` });
        });
        child.on('close', (code, signal) => {
          out.flush();
          err.flush();
          if (startRefused) return finish({ ok: false, retryable: true, reason: startRefused });
          if (stopped) return finish({ ok: false, retryable: false, reason: stopped, details: { output_tail: tail } });
          // The gate's own exec failed: say so as plainly as a failed spawn would.
          const execFailed = code === 127 || code === 126 ? tail.find((l) => l.includes(`exec: ${config.argv[0]}:`)) : undefined;
          if (execFailed) return finish({ ok: false, retryable: false, reason: `cannot start ${config.argv[0]}: ${code === 127 ? 'not found' : 'permission denied'}` });
          if (code === 0) return finish({ ok: true, summary: lastStdout || 'exit 0', details: { exit_code: 0 } });
          const last = [...tail].reverse().find((l) => l.trim()) ?? '';
          finish({
            ok: false,
            retryable: false,
            reason: signal ? `killed by ${signal}` : `exited with code ${code}${last ? `: ${last}` : ''}`,
            details: { exit_code: code, output_tail: tail },
          });
        });
      });
    },
  };
}
