import { lawResult } from './law-result.ts';
import type { Law } from './types.ts';

// Law 2, return to known-good: the target is an earlier, successful, health-checked, unquarantined deployment of
// the same service and environment.
export const harmonicAttraction: Law = (facts) => {
  const { plan, targetRow } = facts;
  if (!plan.target || !targetRow) {
    return lawResult('harmonic_attraction', 'Law of Harmonic Attraction', [
      `No valid rollback target found: no earlier deployment of ${plan.service} in ${plan.environment} passed its health check with a build other than ${plan.from.version} (${plan.from.git_commit}) or the one live now`,
    ]);
  }
  const v: string[] = [];
  const t = plan.target.version;
  if (targetRow.service !== plan.service || targetRow.environment !== plan.environment) {
    v.push(`target ${t} belongs to ${targetRow.service}/${targetRow.environment}, not ${plan.service}/${plan.environment}`);
  }
  if (Date.parse(targetRow.deployed_at) >= Date.parse(facts.fromRow.deployed_at)) v.push(`target ${t} is not earlier than the deployment being rolled back`);
  if (targetRow.status !== 'success') v.push(`target ${t} has status ${targetRow.status}, not success`);
  if (!plan.target.health_check_passed) v.push(`target ${t} never passed its health check`);
  if (targetRow.quarantined) v.push(`target ${t} is quarantined (it was rolled back before)`);
  return lawResult('harmonic_attraction', 'Law of Harmonic Attraction', v);
};
