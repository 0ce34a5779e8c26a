import { TOKEN_ROLES_YAML } from '../harness.ts';

// A policy for the fault suite: several services in one environment, so rollbacks of different services can run
// side by side (the one-active-rollback rule and the execution lock are per service and environment).
export function fleetPolicy(opts: {
  services: string[];
  environment?: string;
  approvals?: number;
  executorArgv: string[];
  verifyWindow?: string;
  /** Extra token lines (already indented), e.g. more tokens that speak for others. */
  extraTokens?: string;
}): string {
  const environment = opts.environment ?? 'prod';
  return `
api:
  tokens:
${TOKEN_ROLES_YAML}
${opts.extraTokens ?? ''}
defaults:
  rules: []
  approvals: { required: ${opts.approvals ?? 1} }
  verification: { window: ${opts.verifyWindow ?? '300ms'}, interval: 100ms, on_no_data: pass }
environments:
  ${environment}: {}
services:
${opts.services.map((s) => `  ${s}: { environments: [${environment}], executor: { kind: command, argv: ${JSON.stringify(opts.executorArgv)}, timeout: 30s } }`).join('\n')}
`;
}
