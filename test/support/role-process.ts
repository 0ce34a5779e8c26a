import { spawn } from 'node:child_process';
import { exited, spawnBackstop } from './processes.ts';
import { waitFor } from './harness.ts';

export type RoleProcess = ReturnType<typeof spawnBackstop> & { base: string };

/** `backstop <role>` as a real process, once its /health (on the port the role serves it) answers 200. */
export async function startRole(role: 'start' | 'api' | 'worker' | 'gateway', env: Record<string, string>, port: number): Promise<RoleProcess> {
  const child = Object.assign(spawnBackstop(role, env), { base: `http://127.0.0.1:${port}` });
  try {
    await waitFor(`backstop ${role} to answer /health on ${port}`, async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${child.output()}`);
      return (await fetch(`${child.base}/health`)).status === 200;
    }, 30_000, 100);
  } catch (err) {
    child.kill('SIGKILL');
    await exited(child);
    throw err;
  }
  return child;
}

export async function stopRole(child: RoleProcess | undefined): Promise<void> {
  if (!child) return;
  child.kill('SIGTERM');
  await exited(child);
}

export async function scrape(child: RoleProcess): Promise<string> {
  const res = await fetch(`${child.base}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

// Debian's prometheus package installs it here, as it does the server (see prometheus.ts).
const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';

/** Runs the real promtool with `args`, `stdin` on its standard input; resolves with its exit code and everything it printed. */
export function promtool(args: string[], stdin = ''): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL_BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(stdin);
  });
}

/** The value of one sample in Prometheus text, or undefined when the series is absent. */
export function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}
