import type { Action } from '../config/monitoring-schema.ts';
import type { Config } from '../config/load.ts';

/** Where act() records the Alertmanager receiver's synthetic rules as coming from (monitor/alerts.ts). */
const ALERTMANAGER_ORIGIN = 'monitoring.alertmanager';

export const isAutomatic = (action: Action | null | undefined): action is 'auto' | 'auto_with_veto' => action === 'auto' || action === 'auto_with_veto';

/**
 * What a rule that fired in a decision would do if it fired now, by the current policy file: a rule's action may have
 * changed since, and one that was removed does nothing. An alert's rule is the Alertmanager receiver's action.
 */
export function actionNow(config: Config, service: string, environment: string, fired: { rule: string; origin?: unknown }): Action | null {
  if (fired.origin === ALERTMANAGER_ORIGIN) return config.raw.monitoring.alertmanager.action;
  return config.resolve(service, environment)?.rules.find((r) => r.name === fired.rule)?.action ?? null;
}
