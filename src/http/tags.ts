/** The OpenAPI document's tags and what each groups. A route names one of these, so no tag goes undescribed. */
export const TAGS = {
  deployments: 'What CI reports: a deployment as it starts and finishes, the migrations it applied, and health samples pushed for it.',
  rollbacks: 'Ask whether a deployment should be rolled back, request a rollback, approve, reject or cancel it, and read its record and evidence.',
  health: "Signals from outside backstop and about its judgment: Alertmanager's webhook, resuming automatic rollbacks after a hold, and marking the monitor's decisions as false alarms.",
  gate: 'Stop the line: freezes (scheduled, set by hand, or set by backstop while a rollback, a hold or an alert is open), the deploy gate CI asks before every deploy, and passes that let one deploy through.',
  operations: 'For operators and their tools: liveness with dependencies, Prometheus metrics, and this document.',
} as const;

export type Tag = keyof typeof TAGS;
