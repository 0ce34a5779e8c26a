import { spawn } from 'node:child_process';
import pg from 'pg';
import type { ConsistencyProbe } from '../config/schema.ts';
import type { LawFacts } from '../constitution/types.ts';

type ProbeResult = LawFacts['consistency'];

function parseCount(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  try {
    const json = JSON.parse(trimmed) as { inconsistencies?: unknown };
    if (typeof json.inconsistencies === 'number' && Number.isInteger(json.inconsistencies) && json.inconsistencies >= 0) return json.inconsistencies;
  } catch {
    // not JSON: fall through to "unreadable"
  }
  return undefined;
}

function runCommand(argv: string[], timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { shell: false, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out = (out + c.toString('utf8')).slice(-10_000)));
    child.on('error', (err) => resolve({ kind: 'error', message: `cannot run ${argv[0]}: ${err.message}` }));
    child.on('close', (code, signal) => {
      if (signal) return resolve({ kind: 'error', message: `timed out after ${timeoutMs} ms` });
      if (code !== 0) return resolve({ kind: 'error', message: `exited with code ${code}` });
      const n = parseCount(out);
      resolve(n === undefined ? { kind: 'error', message: 'did not print a number of inconsistencies' } : { kind: 'ok', inconsistencies: n });
    });
  });
}

async function runSql(url: string, query: string, timeoutMs: number): Promise<ProbeResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs });
  // The probe's database restarting mid-query must fail the probe, not kill the worker with an unhandled 'error'.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const res = await client.query({ text: query, rowMode: 'array' });
    const n = Number((res.rows[0] as unknown[] | undefined)?.[0]);
    return Number.isInteger(n) && n >= 0 ? { kind: 'ok', inconsistencies: n } : { kind: 'error', message: 'query did not return a count' };
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Law 4's optional probe (the dual-write runbook's consistency check): a command or a SQL query returning a count. */
export async function runConsistencyProbe(probe: ConsistencyProbe | undefined, deps: { secret(name: string): string | undefined }): Promise<ProbeResult> {
  if (!probe) return { kind: 'not_configured' };
  if (probe.kind === 'command') return runCommand(probe.argv, probe.timeout);
  const url = deps.secret(probe.url_env);
  if (!url) return { kind: 'error', message: `environment variable ${probe.url_env} is not set` };
  return runSql(url, probe.query, probe.timeout);
}
