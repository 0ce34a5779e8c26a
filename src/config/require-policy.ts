import { AppError } from '../errors/app-error.ts';
import type { Config, ResolvedPolicy } from './load.ts';

/**
 * The policy of one service in one environment, or UNKNOWN_SERVICE (422) naming the pair: every verb that acts on a
 * service and environment refuses an unconfigured pair with the same words.
 */
export function requirePolicy(config: Config, service: string, environment: string): ResolvedPolicy {
  const policy = config.resolve(service, environment);
  if (!policy) throw new AppError('UNKNOWN_SERVICE', `service "${service}" in environment "${environment}" is not configured in the policy file`);
  return policy;
}
