import type { TriggerType } from '../constitution/types.ts';
import { AppError } from '../errors/app-error.ts';
import type { Actor } from '../core/deps.ts';
import { actingAs, type IdentityDeps, type TokenPrincipal } from './auth.ts';

export interface RequesterClaim {
  trigger_type: TriggerType;
  initiated_by?: string | undefined;
  initiated_by_name?: string | undefined;
}

/**
 * Who asks for a rollback over the API: a person for a manual trigger, nobody for an automatic or alert one. Those
 * change Law 3's verdict (it refuses an automatic rollback of a stable system, but only warns on a manual one) and
 * the metrics, so only a token with the automation role may claim them; admin is no exception, since admin tokens
 * belong to people. Like the monitor's own triggers they have no requester, so every approval comes from people.
 */
export async function requesterFor(deps: IdentityDeps, principal: TokenPrincipal, claim: RequesterClaim): Promise<Actor | null> {
  const type = claim.trigger_type;
  if (type === 'manual') return actingAs(deps, principal, { id: claim.initiated_by, name: claim.initiated_by_name });
  if (!principal.roles.has('automation')) {
    throw new AppError('FORBIDDEN', `trigger_type: "${type}" needs a token with the automation role; people ask for manual rollbacks`);
  }
  const named = (['initiated_by', 'initiated_by_name'] as const).find((k) => claim[k] !== undefined);
  if (named) {
    throw new AppError('VALIDATION_FAILED', `${named}: an ${type} trigger is not asked for by a person; leave ${named} out`, {
      details: [{ path: named, message: `not allowed with trigger_type "${type}"` }],
    });
  }
  return null;
}
