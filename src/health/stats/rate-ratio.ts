/*
 * Rate ratio of two Poisson counts: the exact conditional test and interval.
 *
 * Given the total, the new side's count is Binomial(total, p) with p = ratio·exposure / (ratio·exposure +
 * baselineExposure), so a test and a Clopper–Pearson interval on p carry over to the ratio (Przyborowski & Wilenski
 * 1940; Clopper & Pearson 1934). This is what R's poisson.test does for two samples, built on binom.test, and the
 * numbers match it.
 */
import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';

export interface RateRatioResult {
  /** (events/exposure) / (baselineEvents/baselineExposure); Infinity when the baseline has no events, 0 when there are none now. */
  ratio: number;
  /** Two-sided interval for the ratio at `confidence` (default 0.95), exact (Clopper–Pearson on the conditional binomial), as R's poisson.test reports with alternative = "two.sided". */
  lower: number;
  upper: number;
  /** One-sided p-value for H1: ratio > ratio0 (default 1), exact conditional binomial test, equal to R's poisson.test(c(events, baselineEvents), c(exposure, baselineExposure), r = ratio0, alternative = "greater")$p.value. */
  pValue: number;
}

export interface RateRatioInput {
  events: number;
  exposure: number;
  baselineEvents: number;
  baselineExposure: number;
  ratio0?: number;
  confidence?: number;
}

function assertCount(value: number, label: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${label} must be a non-negative integer, got ${value}`);
}

function assertPositiveOrZero(value: number, label: string): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${label} must be a finite number >= 0, got ${value}`);
}

/** Returns null when there is nothing to test: no events on either side, or a zero exposure. Throws RangeError on negative or non-integer counts, or non-finite input (caller validates). */
export function rateRatioTest(input: RateRatioInput): RateRatioResult | null {
  const { events, exposure, baselineEvents, baselineExposure, ratio0 = 1, confidence = 0.95 } = input;
  assertCount(events, 'events');
  assertCount(baselineEvents, 'baselineEvents');
  assertPositiveOrZero(exposure, 'exposure');
  assertPositiveOrZero(baselineExposure, 'baselineExposure');
  if (!Number.isFinite(ratio0) || ratio0 <= 0) throw new RangeError(`ratio0 must be a finite number > 0, got ${ratio0}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);

  const total = events + baselineEvents;
  if (total === 0 || exposure === 0 || baselineExposure === 0) return null;

  const ratio = baselineEvents === 0 ? Infinity : events / exposure / (baselineEvents / baselineExposure);

  // P(X >= events) is the regularized incomplete beta I_p0(events, total - events + 1). Taking it straight from the
  // beta CDF, rather than as 1 − P(X <= events − 1), keeps full relative precision for the tiny p-values of a clear
  // regression (R's pbinom(lower.tail = FALSE) does the same).
  const p0 = (ratio0 * exposure) / (ratio0 * exposure + baselineExposure);
  const pValue = events === 0 ? 1 : betaCdf(p0, events, total - events + 1);

  // Clopper–Pearson bounds on p, with R's conventions at the ends (0 when x = 0, 1 when x = n), then p/(1 − p) scaled
  // by the exposures; p = 1 maps to an infinite upper bound, as in R.
  const tail = (1 - confidence) / 2;
  const pLower = events === 0 ? 0 : betaQuantile(tail, events, total - events + 1);
  const pUpper = events === total ? 1 : betaQuantile(1 - tail, events + 1, total - events);
  const toRatio = (p: number) => ((p / (1 - p)) * baselineExposure) / exposure;

  return { ratio, lower: toRatio(pLower), upper: toRatio(pUpper), pValue };
}
