import { ACTIONS, type Action } from '../../config/monitoring-schema.ts';

export const rank = (a: Action) => ACTIONS.indexOf(a);

/** The highest rung of the ladder among `actions`, or null for none. */
export function strongest(actions: Action[]): Action | null {
  return actions.reduce<Action | null>((best, a) => (best === null || rank(a) > rank(best) ? a : best), null);
}

/** Caps an action at a rung (the circuit breaker and holds turn automatic rollbacks into proposals). */
export const capAt = (action: Action, cap: Action): Action => (rank(action) > rank(cap) ? cap : action);
