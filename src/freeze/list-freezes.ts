import type { CoreDeps } from '../core/deps.ts';
import { frozenPairs } from '../db/queries/freezes.ts';
import { readGateFacts } from '../db/queries/gate-facts.ts';
import { AppError } from '../errors/app-error.ts';
import { scheduledFreezes } from './ask-gate.ts';
import { freezesOf, type Freeze } from './judge-gate.ts';

export interface FrozenPair {
  service: string;
  environment: string;
  freezes: Freeze[];
}

/**
 * What is frozen now, with the gate's own words: each pair is read through the same facts and judgment as a deploy
 * question, so `/freeze list` cannot show a freeze the gate would not apply, or miss one it would. Quarantines are
 * per version and not listed here; the gate names them when that version is asked about.
 */
export async function listFreezes(deps: Pick<CoreDeps, 'db' | 'config' | 'clock'>, filter: { service?: string; environment?: string } = {}): Promise<FrozenPair[]> {
  const now = deps.clock();
  const configured = Object.entries(deps.config.raw.services).flatMap(([service, s]) => s.environments.map((environment) => ({ service, environment })));
  const wanted = configured.filter((p) => (!filter.service || p.service === filter.service) && (!filter.environment || p.environment === filter.environment));
  if (wanted.length === 0 && (filter.service || filter.environment)) {
    throw new AppError('UNKNOWN_SERVICE', `no configured service and environment match ${[filter.service, filter.environment].filter(Boolean).join(' in ')}`);
  }
  // Only the pairs something freezes are read: the database says which its rows freeze, the schedule the rest.
  const fromRows = new Set((await frozenPairs(deps.db, now)).map((p) => `${p.service}\u0000${p.environment}`));
  const out: FrozenPair[] = [];
  for (const p of wanted) {
    const scheduled = await scheduledFreezes(deps.config, p.service, p.environment, now);
    if (!fromRows.has(`${p.service}\u0000${p.environment}`) && scheduled.active.length === 0) continue;
    const facts = await readGateFacts(deps.db, { ...p, version: null, now });
    const freezes = freezesOf(facts, scheduled, null);
    if (freezes.length > 0) out.push({ ...p, freezes });
  }
  return out;
}
