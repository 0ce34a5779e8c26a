import type { Freeze, GateVerdict } from './judge-gate.ts';

// The gate's verdict in words, one text for every reader: `backstop gate`, the comment on a GitHub deployment, the
// deployment card. A CI log shows it as it is, so it is plain text with one reason per line.

const KIND: Record<Freeze['kind'], string> = {
  scheduled: 'scheduled freeze',
  manual: 'freeze',
  rollback: 'rollback in progress',
  hold: 'automation held',
  alert: 'alert firing',
  quarantine: 'quarantined version',
};

export const freezeLine = (f: Freeze) => `${KIND[f.kind]}: ${f.reason} (set by ${f.set_by}; ends ${f.ends_when})`;

/** When a denied deploy may go ahead, in words. */
export function waitWords(v: GateVerdict): string {
  if (v.may_proceed_at) return `may go ahead at ${v.may_proceed_at}`;
  const waits = v.freezes.filter((f) => f.ends_at === null).map((f) => f.ends_when);
  // Every freeze ends by the clock, yet the schedule never clears within its horizon (windows back to back).
  if (waits.length === 0) return 'may not go ahead within a year: the scheduled windows never leave a gap';
  return `may go ahead ${[...new Set(waits)].join(', and ')}`;
}

export function gateHeadline(v: GateVerdict): string {
  const what = `${v.service} ${v.version} to ${v.environment}`;
  if (v.decision === 'deny') return `denied: ${what} is frozen (${v.freezes.length} ${v.freezes.length === 1 ? 'reason' : 'reasons'}); ${waitWords(v)}`;
  if (v.exemption) return `allowed: ${what}: ${v.exemption.reason}`;
  return `allowed: ${what}: no freeze`;
}

export function gateText(v: GateVerdict): string {
  const lines = [gateHeadline(v), ...v.freezes.map((f) => `  - ${freezeLine(f)}`)];
  if (v.decision === 'allow' && v.freezes.length > 0) lines.push('  (these hold forward deploys; this one is exempt)');
  if (v.next_window && v.freezes.every((f) => f.kind !== 'scheduled')) lines.push(`  next scheduled freeze: ${v.next_window.reason} (window ${v.next_window.name}), from ${v.next_window.starts_at} to ${v.next_window.ends_at}`);
  return lines.join('\n');
}
