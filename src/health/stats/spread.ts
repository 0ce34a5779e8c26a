/*
 * One-sided Brown–Forsythe test for a rise in spread (Brown & Forsythe 1974): Levene's test on absolute deviations
 * from each sample's median, which for two samples is a pooled two-sample t-test on those deviations. Equal to R's
 * t.test(abs(x - median(x)), abs(y - median(y)), alternative = "greater", var.equal = TRUE).
 *
 * Medians rather than means because latencies are skewed, and on skewed data the mean-centred Levene test rejects
 * far more often than its level (Conover, Johnson & Johnson 1981); the median-centred one keeps close to it.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import { assertFinite, median } from './sample.ts';

export interface SpreadResult {
  /** mean absolute deviation from the median of x, over the same for y (how many times wider x is). Infinity if y's is 0 and x's is not; 1 when both are 0. */
  ratio: number;
  t: number;
  df: number;
  /** One-sided Brown–Forsythe test for a rise in spread: pooled two-sample t-test of |x − median(x)| against |y − median(y)|, H1: x's deviations are larger. Equals R's t.test(abs(x - median(x)), abs(y - median(y)), alternative = "greater", var.equal = TRUE)$p.value. */
  pValue: number;
}

/** Mean and sum of squared deviations, with R's second pass over the residuals to tighten the mean. */
function moments(values: readonly number[]): { mean: number; squares: number } {
  let mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  mean += values.reduce((sum, v) => sum + (v - mean), 0) / values.length;
  return { mean, squares: values.reduce((sum, v) => sum + (v - mean) ** 2, 0) };
}

/** Returns null when either sample has fewer than 2 values, or both deviation sets have zero variance. Throws RangeError on non-finite values. */
export function spreadIncrease(x: readonly number[], y: readonly number[]): SpreadResult | null {
  assertFinite(x, 'x');
  assertFinite(y, 'y');
  if (x.length < 2 || y.length < 2) return null;

  const centreX = median(x);
  const centreY = median(y);
  const dx = moments(x.map((v) => Math.abs(v - centreX)));
  const dy = moments(y.map((v) => Math.abs(v - centreY)));

  const df = x.length + y.length - 2;
  const pooledVariance = (dx.squares + dy.squares) / df;
  const standardError = Math.sqrt(pooledVariance * (1 / x.length + 1 / y.length));
  // R's own cut-off ("data are essentially constant"): below it the deviations differ only by rounding, and t would be
  // rounding noise blown up to any size.
  if (standardError === 0 || standardError < 10 * Number.EPSILON * Math.max(Math.abs(dx.mean), Math.abs(dy.mean))) return null;

  const ratio = dy.mean === 0 ? (dx.mean === 0 ? 1 : Infinity) : dx.mean / dy.mean;
  const t = (dx.mean - dy.mean) / standardError;
  // The upper tail as the lower tail of −t keeps relative precision for tiny p-values, as pt(lower.tail = FALSE).
  return { ratio, t, df, pValue: tCdf(-t, df) };
}
