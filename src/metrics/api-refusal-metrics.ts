import { Counter, type Registry } from 'prom-client';

/** unauthorized: 401; forbidden: 403; rate_limited: 429, a source serving a lockout. */
export const REFUSAL_REASONS = ['unauthorized', 'forbidden', 'rate_limited'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface ApiRefusalMetrics {
  refused(reason: RefusalReason): void;
  lockedOut(): void;
}

const REFUSALS = 'backstop_api_refusals_total';
const LOCKOUTS = 'backstop_api_auth_lockouts_total';

/**
 * Every refused API call, counted whether or not its audit row was written one by one, and every lockout the brake
 * began. Get-or-create, as the HTTP histogram is: an app built twice on one registry counts into the same series.
 */
export function createApiRefusalMetrics(registry: Registry): ApiRefusalMetrics {
  const refusals =
    (registry.getSingleMetric(REFUSALS) as Counter<'reason'> | undefined) ??
    new Counter({ name: REFUSALS, help: 'API calls refused before their operation ran, by reason (unauthorized, forbidden, rate_limited)', labelNames: ['reason'], registers: [registry] });
  const lockouts =
    (registry.getSingleMetric(LOCKOUTS) as Counter | undefined) ??
    new Counter({ name: LOCKOUTS, help: 'Lockouts the brake on guessing tokens began, one per lockout', registers: [registry] });
  // A labelled counter has no series until first use, and increase() misses the first event.
  for (const reason of REFUSAL_REASONS) refusals.inc({ reason }, 0);
  return {
    refused: (reason) => refusals.inc({ reason }),
    lockedOut: () => lockouts.inc(),
  };
}
