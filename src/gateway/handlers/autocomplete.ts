import { searchRecentDeployments } from '../../db/queries/deployments.ts';
import type { CoreDeps } from '../../core/deps.ts';
import { truncate } from '../../discord/text.ts';

const ago = (d: Date, now: Date) => {
  const min = Math.round((now.getTime() - d.getTime()) / 60_000);
  return min < 60 ? `${min} min ago` : min < 48 * 60 ? `${Math.round(min / 60)} h ago` : `${Math.round(min / 1440)} d ago`;
};

/** Recent deployments by service, environment and version; the value is the deployment id. */
export async function deploymentChoices(deps: CoreDeps, typed: string): Promise<Array<{ name: string; value: string }>> {
  const rows = await searchRecentDeployments(deps.db, typed.trim().slice(0, 64), 25);
  const now = deps.clock();
  return rows.map((d) => ({
    // Choice names are plain text (max 100) and are not rendered as markdown, so they need no escaping.
    name: truncate(`${d.service} · ${d.environment} · ${d.version}${d.rollbackFrom ? ' (restored)' : ''} · ${d.status}${d.quarantined ? ' · quarantined' : ''} · ${ago(d.deployedAt, now)}`, 100),
    value: d.deploymentId,
  }));
}
