import type { ValidationResult } from '../../../constitution/types.ts';
import type { PlanDeployment } from '../../../core/plan.ts';
import { codeText, shortId, userText } from '../../../discord/text.ts';

// Small formatters shared by the cards, so a deployment or a verdict reads the same everywhere.

export const deploymentLabel = (d: Pick<PlanDeployment, 'version' | 'deployment_id'>) => `\`${codeText(d.version)}\` (${shortId(d.deployment_id)})`;

export const targetLabel = (t: PlanDeployment | null | undefined) => (t ? `\`${codeText(t.version)}\` (commit ${userText(t.git_commit.slice(0, 7))})` : 'none: no known-good deployment');

export function constitutionLabel(v: ValidationResult | null | undefined): string {
  if (!v) return 'not yet validated';
  if (!v.compliant) return `VIOLATION\n${v.violations.map((x) => `• ${userText(x)}`).join('\n')}`;
  if (v.warnings.length) return `PASSED with warnings\n${v.warnings.map((x) => `• ${userText(x)}`).join('\n')}`;
  return 'PASSED';
}

const TRIGGER_LABEL = { automatic: 'Automatic', manual: 'Manual', alert: 'Alert' } as const;
export const triggerLabel = (t: keyof typeof TRIGGER_LABEL) => TRIGGER_LABEL[t];

/**
 * The trigger evidence: a baseline rule's comparison, or a rule's "metric observed vs threshold over window" when the
 * monitor supplied one, otherwise the recorded keys as they are.
 */
export function evidenceLabel(data: unknown): string | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  // A baseline rule's comparison is already a sentence with its numbers: effect, interval, counts, the version.
  if (typeof d.metric === 'string' && typeof d.comparison === 'string') return userText(d.comparison);
  if (typeof d.metric === 'string' && d.observed !== undefined && d.threshold !== undefined) {
    const window = typeof d.window === 'string' ? ` over ${d.window}` : '';
    const op = typeof d.op === 'string' ? d.op : 'vs';
    return `\`${codeText(d.metric)}\` = **${String(d.observed)}** ${op} ${String(d.threshold)}${window}`;
  }
  const lines = Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${userText(k)}: ${userText(typeof v === 'string' ? v : JSON.stringify(v))}`);
  return lines.length ? lines.join('\n') : null;
}

export function durationLabel(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}
