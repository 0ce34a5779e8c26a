import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { waitFor } from '../harness.ts';

// The machine's one PostgreSQL cluster (FIELD-NOTES: "Services on these machines"). Only the fault suite, which
// runs alone after the main suite, may stop it.
const VERSION = () => readdirSync('/etc/postgresql')[0]!;

export function pgctl(action: 'stop' | 'start' | 'restart'): void {
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', VERSION(), 'main', action], { stdio: 'ignore' });
}

export function pgReady(): boolean {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
    return true;
  } catch {
    return false;
  }
}

/** Starts the cluster if it is not answering, and waits until it accepts connections. */
export async function ensurePostgres(timeoutMs = 60_000): Promise<void> {
  if (!pgReady()) {
    try {
      pgctl('start');
    } catch {
      // already starting (or started between the check and here): pg_isready below is the judge
    }
  }
  await waitFor('PostgreSQL to accept connections', async () => pgReady(), timeoutMs, 200);
}
