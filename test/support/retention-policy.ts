import { parseConfig } from '../../src/config/load.ts';
import type { RetentionPolicy } from '../../src/config/schema.ts';
import type { RetentionReport } from '../../src/retention/run-retention.ts';
import { testPolicy } from './harness.ts';

/** A test policy with a retention section as a user writes it. */
export const policyWith = (retention: string) => `${testPolicy({ executorArgv: ['true'], onNoData: 'pass' })}${retention}`;

/** The retention settings such a policy resolves to. */
export function retentionOf(yaml: string): RetentionPolicy {
  const parsed = parseConfig(policyWith(yaml));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config.raw.retention;
}

/** The report of a run that ran (a skipped one fails the test with its reason). */
export function ran(report: RetentionReport) {
  if (!report.ran) throw new Error(`the run was skipped: ${report.reason}`);
  return report;
}
