import type { DeploymentRow } from '../db/schema/index.ts';
import type { CheckResult } from '../views/check-deployment.ts';
import type { Screen } from './terminal.ts';
import { formatWhen } from './words.ts';

/**
 * `rollback check` for people: the answer in words first (roll back, or not, or cannot tell), then the evidence the
 * one health assessment read, metric by metric, with where each value came from.
 */
export function formatCheck(result: CheckResult, deployment: DeploymentRow, screen: Screen): string {
  const c = screen.color;
  const { verdict, action, summary } = result.assessment;
  const answer = result.should_rollback
    ? c.bold(c.red('roll back'))
    : verdict === 'inconclusive'
      ? c.yellow('cannot tell yet')
      : verdict === 'healthy'
        ? c.green('no rollback needed')
        : c.yellow('no rollback (watch it)');
  const out = [
    `${answer}: ${summary}`,
    `  deployment  ${deployment.deploymentId}: ${deployment.service}/${deployment.environment} ${deployment.version} (${deployment.gitCommit}), deployed ${formatWhen(deployment.deployedAt)}`,
    `  verdict     ${verdict}${action ? `; the rules say ${action}` : ''}`,
  ];
  const metrics = Object.entries(result.assessment.metrics);
  if (metrics.length === 0) out.push(`  evidence    ${c.dim('no health data from any source')}`);
  const width = Math.max(0, ...metrics.map(([name]) => name.length));
  metrics.forEach(([name, m], i) => {
    const value = m.value === null ? c.dim('no data') : String(m.value);
    const seen = m.observed_at ? `, ${formatWhen(m.observed_at)}` : '';
    out.push(`  ${i === 0 ? 'evidence'.padEnd(12) : ' '.repeat(12)}${name.padEnd(width)}  ${value} ${c.dim(`(${m.source}${seen})`)}`);
  });
  return out.join('\n');
}
