import type { Config } from '../../config/load.ts';
import { searchRecentDeployments } from '../../db/queries/deployments.ts';
import { searchOpenFreezes } from '../../db/queries/open-freezes.ts';
import type { CoreDeps } from '../../core/deps.ts';
import { truncate } from '../../discord/text.ts';

// Choice names are plain text (max 100) and are not rendered as markdown, so they need no escaping.
type Choice = { name: string; value: string };
const MAX_CHOICES = 25;

const ago = (d: Date, now: Date) => {
  const min = Math.round((now.getTime() - d.getTime()) / 60_000);
  return min < 60 ? `${min} min ago` : min < 48 * 60 ? `${Math.round(min / 60)} h ago` : `${Math.round(min / 1440)} d ago`;
};
const until = (d: Date, now: Date) => {
  const min = Math.max(0, Math.round((d.getTime() - now.getTime()) / 60_000));
  return min < 60 ? `ends in ${min} min` : min < 48 * 60 ? `ends in ${Math.round(min / 60)} h` : `ends in ${Math.round(min / 1440)} d`;
};

/** Recent deployments by service, environment and version; the value is the deployment id. */
export async function deploymentChoices(deps: CoreDeps, typed: string): Promise<Choice[]> {
  const rows = await searchRecentDeployments(deps.db, typed.trim().slice(0, 64), MAX_CHOICES);
  const now = deps.clock();
  return rows.map((d) => ({
    name: truncate(`${d.service} · ${d.environment} · ${d.version}${d.rollbackFrom ? ' (restored)' : ''} · ${d.status}${d.quarantined ? ' · quarantined' : ''} · ${ago(d.deployedAt, now)}`, 100),
    value: d.deploymentId,
  }));
}

const matching = (names: string[], typed: string): Choice[] =>
  names
    .filter((n) => n.includes(typed.trim().toLowerCase()))
    .sort()
    .slice(0, MAX_CHOICES)
    .map((n) => ({ name: n, value: n }));

/** The services of the policy file. */
export const serviceChoices = (config: Config, typed: string): Choice[] => matching(Object.keys(config.raw.services), typed);

/** The chosen service's environments, or every environment of the policy file before a service is chosen. */
export function environmentChoices(config: Config, typed: string, service: string | null): Choice[] {
  const of = service ? config.raw.services[service]?.environments : undefined;
  return matching(of ? [...of] : Object.keys(config.raw.environments), typed);
}

/** Freezes set by hand that hold deploys now, by service, environment or reason; the value is the freeze id. */
export async function freezeChoices(deps: CoreDeps, typed: string): Promise<Choice[]> {
  const now = deps.clock();
  const rows = await searchOpenFreezes(deps.db, typed.trim().slice(0, 64), now, MAX_CHOICES);
  return rows.map((f) => ({ name: truncate(`${f.service} · ${f.environment} · ${until(f.endsAt, now)} · ${f.reason.replace(/\s+/g, ' ')}`, 100), value: f.freezeId }));
}

/** The choices for the option being typed; options without suggestions get none. */
export async function choicesFor(deps: CoreDeps, option: string, typed: string, chosen: { service: string | null }): Promise<Choice[]> {
  switch (option) {
    case 'deployment_id':
      return deploymentChoices(deps, typed);
    case 'freeze_id':
      return freezeChoices(deps, typed);
    case 'service':
      return serviceChoices(deps.config, typed);
    case 'environment':
      return environmentChoices(deps.config, typed, chosen.service);
    default:
      return [];
  }
}
