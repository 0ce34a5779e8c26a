import { readFileSync } from 'node:fs';

// `npm start` and `npx backstop start` run backstop as `npm → sh -c "backstop start" → node`. A supervisor stops that
// by sending SIGTERM to npm; npm passes it to the shell, and the shell dies without passing it on, so backstop would
// be orphaned and keep serving. Under npm, backstop therefore watches the shell's parent: when npm is gone, it stops as
// if it had received the SIGTERM itself. Started any other way (node, the bin, an image's entrypoint, nohup) it
// watches nothing, as a daemonized process must outlive the shell that started it.

/** The parent of `pid` (Linux /proc); undefined where there is no /proc or the process is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

const commandOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  } catch {
    return '';
  }
};

/** Calls `stop` once if backstop was started by npm and npm has gone; returns the function that stops watching. */
export function followLauncher(stop: () => void, env: NodeJS.ProcessEnv = process.env, intervalMs = 500): () => void {
  if (!env.npm_lifecycle_event) return () => undefined;
  const shell = process.ppid;
  const npm = parentOf(shell);
  if (npm === undefined || !/^npm\b|\/npm(-cli\.js)?$|\/npx(-cli\.js)?$|^npx\b/.test(commandOf(npm))) return () => undefined;
  const timer = setInterval(() => {
    if (parentOf(shell) === npm) return;
    clearInterval(timer);
    stop();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
