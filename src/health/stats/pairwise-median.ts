/*
 * Median of all pairwise differences x_i − y_j (the two-sample Hodges–Lehmann shift, Hodges & Lehmann 1963), equal
 * to R's median(outer(x, y, "-")).
 *
 * The n·m differences are never stored: with x ascending and y descending, x_i − y_j is sorted along every row and
 * column, so the number of differences below any value can be counted in O(n + m) by walking the staircase. A
 * selection over that implicit matrix (Johnson & Mizoguchi 1978; Monahan 1984, Algorithm 616) then needs expected
 * O(log(n·m)) walks: each one takes a random remaining difference as pivot and drops every difference on the wrong
 * side of it. Memory stays O(n + m), so a caller with 10^5 samples a side cannot make this allocate 80 GB.
 */

/** A fixed-seed generator: the pivots only need to be spread out, and a fixed seed keeps the function pure. */
function createRandom(): () => number {
  let state = 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** The k-th smallest (0-based) of xs[i] − ys[j], xs ascending and ys descending. */
function selectDifference(xs: Float64Array, ys: Float64Array, k: number): number {
  const n = xs.length;
  const m = ys.length;
  // Row i's remaining candidates are the columns [lo[i], hi[i]); everything left of lo is below the answer.
  const lo = new Float64Array(n);
  const hi = new Float64Array(n).fill(m);
  const less = new Float64Array(n);
  const lessOrEqual = new Float64Array(n);
  const random = createRandom();
  let below = 0;
  let remaining = n * m;

  while (remaining > n + m) {
    let offset = Math.floor(random() * remaining);
    let row = 0;
    while (offset >= hi[row]! - lo[row]!) {
      offset -= hi[row]! - lo[row]!;
      row++;
    }
    const pivot = xs[row]! - ys[lo[row]! + offset]!;

    // Rows grow with i, so the column where a row crosses the pivot only moves left.
    let totalLess = 0;
    let totalLessOrEqual = 0;
    for (let i = 0, jl = m, je = m; i < n; i++) {
      while (jl > 0 && xs[i]! - ys[jl - 1]! >= pivot) jl--;
      while (je > 0 && xs[i]! - ys[je - 1]! > pivot) je--;
      less[i] = jl;
      lessOrEqual[i] = je;
      totalLess += jl;
      totalLessOrEqual += je;
    }
    if (k >= totalLess && k < totalLessOrEqual) return pivot;

    below = 0;
    remaining = 0;
    for (let i = 0; i < n; i++) {
      if (k < totalLess) hi[i] = Math.min(hi[i]!, less[i]!);
      else lo[i] = Math.max(lo[i]!, lessOrEqual[i]!);
      below += lo[i]!;
      remaining += hi[i]! - lo[i]!;
    }
  }

  const rest = new Float64Array(remaining);
  let at = 0;
  for (let i = 0; i < n; i++) for (let j = lo[i]!; j < hi[i]!; j++) rest[at++] = xs[i]! - ys[j]!;
  return rest.sort()[k - below]!;
}

/** The median of x_i − y_j over all pairs, as R's median() takes it (mean of the middle two for an even count). */
export function medianOfDifferences(x: readonly number[], y: readonly number[]): number {
  const xs = Float64Array.from(x).sort();
  const ys = Float64Array.from(y).sort().reverse();
  const total = xs.length * ys.length;
  if (total === 0) throw new RangeError('medianOfDifferences needs two non-empty samples');
  const half = Math.floor(total / 2);
  if (total % 2 === 1) return selectDifference(xs, ys, half);
  return (selectDifference(xs, ys, half - 1) + selectDifference(xs, ys, half)) / 2;
}
