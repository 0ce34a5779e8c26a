import type { SandboxRole } from './personas.ts';

export interface SandboxIds {
  guildId: string;
  channelId: string;
  roles: Record<SandboxRole, string>;
}

/** The service the scripted incident deploys and rolls back. */
export const SANDBOX_SERVICE = 'checkout';

/**
 * The sandbox's policy file, written the way a team would write its own (it goes through the same schema and
 * `config check` rules): production needs two people, the monitor proposes at ≥ 1 error/min seen twice and rolls
 * back alone above 5, and verification is short so the incident plays in under a minute.
 */
export function sandboxPolicy(ids: SandboxIds, executorScript: string): string {
  return `
discord:
  guild_id: "${ids.guildId}"
  channel_id: "${ids.channelId}"
  allowed_channels: ["${ids.channelId}"]
  roles:
    approver: ["${ids.roles.approver}"]
    override: ["${ids.roles.override}"]
    viewer: ["${ids.roles.viewer}"]
    oncall: "${ids.roles.oncall}"
api:
  tokens:
    ci: { roles: [deployer] }         # the scripted incident's CI: records deployments, pushes health
    observer: { roles: [viewer] }     # the scenario reads the rollback's status with this one
monitoring:
  tick: 2s
  watch_window: 10m
  recheck_after: 15m
defaults:
  rules:
    - { name: error-rate-critical, metric: error_rate_per_minute, op: ">", threshold: 5, action: auto }
    - { name: latency, metric: p95_ms, op: ">", threshold: 5000, action: warn }
    - { name: error-rate-elevated, metric: error_rate_per_minute, op: ">=", threshold: 1, for: 2, action: propose }
  verification: { window: 4s, interval: 500ms, on_no_data: fail }
environments:
  production: { approvals: { required: 2 } }
  staging: { approvals: { required: 1 } }
services:
  ${SANDBOX_SERVICE}:
    environments: [production, staging]
    executor: { kind: command, argv: [${JSON.stringify(executorScript)}], timeout: 2m }
`;
}
