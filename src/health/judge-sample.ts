import type { HealthThresholds } from '../config/schema.ts';

export interface SampleValues {
  errorRatePerMinute: number | null;
  recentErrors: number | null;
  databaseConnectionsPct: number | null;
}

/** The breaches in one sample, as sentences ("error rate 8.5/min > 5/min"); empty means within thresholds. */
export function breachesOf(sample: SampleValues, t: HealthThresholds): string[] {
  const out: string[] = [];
  if (sample.errorRatePerMinute !== null && sample.errorRatePerMinute > t.error_rate_per_minute) {
    out.push(`error rate ${sample.errorRatePerMinute}/min > ${t.error_rate_per_minute}/min`);
  }
  if (sample.recentErrors !== null && sample.recentErrors > t.recent_errors) {
    out.push(`${sample.recentErrors} recent errors > ${t.recent_errors}`);
  }
  if (sample.databaseConnectionsPct !== null && sample.databaseConnectionsPct > t.database_connections_pct) {
    out.push(`database connections ${sample.databaseConnectionsPct}% > ${t.database_connections_pct}%`);
  }
  return out;
}

/** A sample that carries none of the judged metrics says nothing: it is inconclusive, never healthy. */
export const isConclusive = (s: SampleValues) => s.errorRatePerMinute !== null || s.recentErrors !== null || s.databaseConnectionsPct !== null;
