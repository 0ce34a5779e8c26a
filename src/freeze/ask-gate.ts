import type { Config } from '../config/load.ts';
import { requirePolicy } from '../config/require-policy.ts';
import type { CoreDeps } from '../core/deps.ts';
import type { Queryable } from '../db/client.ts';
import { readGateFacts } from '../db/queries/gate-facts.ts';
import { judgeGate, type GateRequest, type GateVerdict, type ScheduledFreezes } from './judge-gate.ts';
import type { CompiledSchedule } from './schedule.ts';

type ScheduleModule = typeof import('./schedule.ts');

// The policy file's windows are compiled once per loaded config, not once per question: the gate answers CI on every
// deploy and GitHub on every protected job. The RRULE library loads with the first question, not while a role starts
// (every role reaches this module), and never for a policy file without windows.
const compiled = new WeakMap<Config, Promise<{ schedule: ScheduleModule; windows: CompiledSchedule }>>();

function scheduleOf(config: Config) {
  let loaded = compiled.get(config);
  if (!loaded) {
    loaded = import('./schedule.ts').then((schedule) => ({ schedule, windows: schedule.compileSchedule(config.raw.freezes) }));
    compiled.set(config, loaded);
  }
  return loaded;
}

const NO_WINDOWS: ScheduledFreezes = { active: [], next: null, clearAt: (from) => from };

/** The scheduled windows of one service and environment as the gate's judgment takes them. */
export async function scheduledFreezes(config: Config, service: string, environment: string, now: Date): Promise<ScheduledFreezes> {
  if (config.raw.freezes.length === 0) return NO_WINDOWS;
  const { schedule, windows } = await scheduleOf(config);
  return {
    active: schedule.activeWindows(windows, service, environment, now),
    next: schedule.nextWindow(windows, service, environment, now),
    clearAt: (from) => schedule.clearAt(windows, service, environment, from),
  };
}

export type GateDeps = Pick<CoreDeps, 'config' | 'clock'> & { db: Queryable };

/**
 * Asks the gate about one deploy. An unconfigured service or environment is an error (UNKNOWN_SERVICE), not a deny:
 * CI should learn that its question is wrong, not that it must wait. A database that cannot be read is an error too
 * (DATABASE_UNAVAILABLE): the caller decides whether that fails closed or open.
 */
export async function askGate(deps: GateDeps, request: GateRequest): Promise<GateVerdict> {
  requirePolicy(deps.config, request.service, request.environment);
  const now = deps.clock();
  const facts = await readGateFacts(deps.db, { service: request.service, environment: request.environment, version: request.version, commit: request.commit ?? null, now });
  return judgeGate(request, facts, await scheduledFreezes(deps.config, request.service, request.environment, now), now);
}
