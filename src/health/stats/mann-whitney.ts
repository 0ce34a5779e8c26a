/*
 * One-sided Wilcoxon–Mann–Whitney rank-sum test (Mann & Whitney 1947), normal approximation with tie and continuity
 * corrections, as R's wilcox.test(x, y, alternative = "greater", exact = FALSE, correct = TRUE); with the
 * common-language effect size (McGraw & Wong 1992) and the Hodges–Lehmann shift (Hodges & Lehmann 1963).
 *
 * The normal approximation is used at every size, unlike R's default (exact below 50 a side when nothing is tied):
 * rounded latencies are full of ties, where the exact distribution does not apply, and one method keeps p-values
 * comparable as a watch's samples grow.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { medianOfDifferences } from './pairwise-median.ts';
import { assertFinite } from './sample.ts';

export interface MannWhitneyResult {
  /** Size of x (new). */
  n: number;
  /** Size of y (baseline). */
  m: number;
  /** U statistic of x: sum of x ranks − n(n+1)/2 (R's wilcox.test W). */
  u: number;
  /** Normal approximation with tie correction and continuity correction, as R's exact = FALSE, correct = TRUE. */
  z: number;
  /** H1: x is stochastically greater than y; equals R's wilcox.test(x, y, alternative = "greater", exact = FALSE, correct = TRUE)$p.value. */
  pValue: number;
  /** U / (n·m): P(X > Y) + ½P(X = Y), the common-language effect size. */
  superiority: number;
  /** Hodges–Lehmann shift: the median of all pairwise differences x_i − y_j. */
  shift: number;
}

/** x's rank sum over the pooled samples (ties get their average rank) and Σ(t³ − t) over the tie groups. */
function rankSum(x: readonly number[], y: readonly number[]): { sum: number; ties: number } {
  const pooled = [...x, ...y];
  const order = Array.from(pooled.keys()).sort((a, b) => pooled[a]! - pooled[b]!);
  let sum = 0;
  let ties = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    let fromX = 0;
    while (end < order.length && pooled[order[end]!] === pooled[order[start]!]) {
      if (order[end]! < x.length) fromX++;
      end++;
    }
    // Ranks start + 1 … end share their mean.
    sum += (fromX * (start + 1 + end)) / 2;
    const t = end - start;
    ties += t * t * t - t;
    start = end;
  }
  return { sum, ties };
}

/** Returns null when either sample is empty. Ignores nothing silently: throws RangeError on non-finite values (caller filters NaN/Inf and says so). */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): MannWhitneyResult | null {
  assertFinite(x, 'x');
  assertFinite(y, 'y');
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return null;

  const { sum, ties } = rankSum(x, y);
  const u = sum - (n * (n + 1)) / 2;
  const total = n + m;
  const sigma = Math.sqrt(((n * m) / 12) * (total + 1 - ties / (total * (total - 1))));
  // R's fixed 0.5 for "greater" (not sign(U − nm/2)·0.5, which is two-sided only). When every value is tied sigma is 0
  // and z is −Infinity, so p = 1, as R gives.
  const z = (u - (n * m) / 2 - 0.5) / sigma;
  // The upper tail as the lower tail of −z keeps relative precision for tiny p-values, as pnorm(lower.tail = FALSE).
  const pValue = normalCdf(-z, 0, 1);

  return { n, m, u, z, pValue, superiority: u / (n * m), shift: medianOfDifferences(x, y) };
}
