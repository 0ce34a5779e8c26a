import type { ResolvedRule } from '../config/load.ts';
import { getCurrentDeployment } from '../db/queries/deployments.ts';
import { getAlertDecision, insertHealthDecision } from '../db/queries/health-decisions.ts';
import type { AlertmanagerAlert, AlertmanagerPayload } from '../health/alertmanager-payload.ts';
import type { RuleOutcome } from '../health/rules/evaluate-rule.ts';
import { act } from './act.ts';
import { recordFiringAlert, resolveFiringAlert } from '../db/queries/freezes.ts';
import type { MonitorDeps } from './types.ts';

export interface AlertResult {
  fingerprint: string;
  alertname: string | null;
  status: 'firing' | 'resolved';
  outcome: 'acted' | 'recorded' | 'ignored';
  action?: string;
  event_id?: string | null;
  decision_id?: number;
  reason?: string;
}

/**
 * Alertmanager's webhook: a firing alert whose labels name a configured service and environment is a trigger for
 * that service's newest deployment, climbing the same ladder as a rule (circuit breaker and holds included). A
 * re-sent alert (same fingerprint and start) is decided once; resolved alerts are recorded.
 */
export async function handleAlerts(deps: MonitorDeps, payload: AlertmanagerPayload): Promise<AlertResult[]> {
  const results: AlertResult[] = [];
  for (const alert of payload.alerts) results.push(await handleAlert(deps, alert));
  return results;
}

async function handleAlert(deps: MonitorDeps, alert: AlertmanagerAlert): Promise<AlertResult> {
  const cfg = deps.config.raw.monitoring.alertmanager;
  const alertname = alert.labels.alertname ?? null;
  const base = { fingerprint: alert.fingerprint, alertname, status: alert.status } as const;
  const service = alert.labels[cfg.service_label];
  const environment = alert.labels[cfg.environment_label];
  if (!service || !environment) return { ...base, outcome: 'ignored', reason: `the alert has no "${cfg.service_label}" and "${cfg.environment_label}" labels` };
  const policy = deps.config.resolve(service, environment);
  if (!policy) return { ...base, outcome: 'ignored', reason: `service "${service}" in environment "${environment}" is not configured` };
  // While it fires, the alert freezes forward deploys of its service (the gate reads these rows), whatever the monitor
  // decides about the running deployment below.
  if (alert.status === 'resolved') await resolveFiringAlert(deps.db, alert.fingerprint, deps.clock());
  else {
    const summary = alert.annotations.summary ?? alert.annotations.description ?? null;
    await recordFiringAlert(deps.db, { fingerprint: alert.fingerprint, startsAt: new Date(alert.startsAt), service, environment, alertname, summary, at: deps.clock() });
  }
  const current = await getCurrentDeployment(deps.db, service, environment);
  if (!current) return { ...base, outcome: 'ignored', reason: `no deployment of ${service} in ${environment} is recorded` };

  const evidence = { alertname, labels: alert.labels, annotations: alert.annotations, starts_at: alert.startsAt, fingerprint: alert.fingerprint, metric: `alert ${alertname ?? alert.fingerprint}`, observed: alert.status, op: 'is', threshold: 'firing' };
  if (alert.status === 'resolved') {
    await insertHealthDecision(deps.db, { deploymentId: current.deploymentId, service, environment, action: 'alert_resolved', summary: `alert ${alertname ?? alert.fingerprint} resolved`, evidence });
    return { ...base, outcome: 'recorded' };
  }
  const seen = await getAlertDecision(deps.db, current.deploymentId, { fingerprint: alert.fingerprint, startsAt: alert.startsAt });
  if (seen) return { ...base, outcome: 'ignored', reason: 'already decided for this alert' };

  const rule: ResolvedRule = { name: `alert-${alertname ?? 'unnamed'}`.slice(0, 63), metric: 'alert', op: '>', threshold: 0, for: 1, action: cfg.action, on_missing: 'ignore', origin: 'monitoring.alertmanager' };
  const summary = alert.annotations.summary ?? alert.annotations.description ?? `alert ${alertname ?? alert.fingerprint} is firing`;
  const outcome: RuleOutcome = {
    rule,
    verdict: 'breach',
    consecutive: 1,
    fires: true,
    stateObservedAt: new Date(alert.startsAt),
    observation: { value: 1, observedAt: new Date(alert.startsAt), samples: 1, source: 'alertmanager' },
    explanation: `Alertmanager: ${summary}`,
    evidence,
  };
  const decided = await act(
    deps,
    { deployment: { deploymentId: current.deploymentId, service, environment, version: current.version, deployedAt: current.deployedAt, rollbackFrom: current.rollbackFrom }, outcomes: [outcome], fired: [outcome] },
    'alert',
  );
  return { ...base, outcome: 'acted', action: decided?.action ?? 'observe', event_id: decided?.eventId ?? null, ...(decided ? { decision_id: decided.decisionId } : {}) };
}
