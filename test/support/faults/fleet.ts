import { exited, exitedWithin, spawnBackstop } from '../processes.ts';
import { waitFor, type Backstop } from '../harness.ts';

type Child = ReturnType<typeof spawnBackstop>;

/** Where a rollback was, as its row said just before the kill (validate and snapshot are persisted with execute). */
export function stageOf(row: { status: string; rollback_steps: Array<{ step: string; status: string }> | null } | undefined): string {
  if (!row) return 'unknown';
  if (row.status === 'approved' || row.status === 'queued') return 'queue';
  if (row.status === 'verifying') return 'verify';
  if (row.status !== 'running') return 'after finish';
  const steps = row.rollback_steps ?? [];
  const open = steps.find((s) => s.status === 'running');
  if (open) return open.step;
  return steps.length === 0 ? 'claim–snapshot' : `after ${steps.at(-1)!.step}`;
}

/**
 * A fleet of `backstop worker` child processes sharing one database and queue. Kills go to the worker that holds a
 * rollback's claim (its pid is in claimed_by), or to a random one while the rollback is still queued; each killed
 * worker is replaced at once. Operations are serialized so two lanes never kill and replace the same process.
 */
export class WorkerFleet {
  private readonly live = new Set<Child>();
  readonly all: Child[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly b: Backstop, size: number) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  private spawn(): void {
    // Info level, so ready() can see each worker announce itself.
    const w = spawnBackstop('worker', { ...this.b.childEnv, LOG_LEVEL: 'info' });
    this.live.add(w);
    this.all.push(w);
    w.once('exit', () => this.live.delete(w));
  }

  /** Resolves once every live worker has started its BullMQ worker (a cold fleet would make every kill a 'queue' kill). */
  async ready(timeoutMs = 30_000): Promise<void> {
    await waitFor('the worker fleet to start', async () => [...this.live].every((w) => w.output().includes('rollback worker started')), timeoutMs, 100);
  }

  /** SIGKILLs the worker running `eventId` (or a random one) and starts a replacement; resolves the stage it hit. */
  killFor(eventId: string): Promise<string> {
    const run = this.chain.then(async () => {
      const { rows } = await this.b.running.deps.pool.query(
        'select status::text, claimed_by, rollback_steps from ops.rollback_events where event_id = $1',
        [eventId],
      );
      const row = rows[0];
      const stage = stageOf(row);
      const holderPid = Number(String(row?.claimed_by ?? '').split(':')[1]);
      const live = [...this.live];
      const victim = live.find((w) => w.pid === holderPid) ?? live[Math.floor(Math.random() * live.length)]!;
      victim.kill('SIGKILL');
      await exited(victim);
      this.spawn();
      return stage;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Lets the live workers finish what they hold (SIGTERM), and makes sure every child is gone. */
  async stop(): Promise<void> {
    const live = [...this.live];
    for (const w of live) w.kill('SIGTERM');
    await Promise.all(live.map((w) => exitedWithin(w, 35_000)));
    const stuck = this.all.filter((w) => w.exitCode === null && w.signalCode === null);
    for (const w of stuck) w.kill('SIGKILL');
    await Promise.all(stuck.map(exited));
  }
}
