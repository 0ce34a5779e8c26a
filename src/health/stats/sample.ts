/*
 * Shared checks for the stats functions: inputs are validated by the caller, so anything that slips through is a bug
 * and is thrown, never skipped (a silently dropped NaN would change a p-value without anyone knowing).
 */

/** Throws RangeError unless every value is finite. */
export function assertFinite(values: readonly number[], label: string): void {
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`${label} must be finite numbers, got ${value}`);
  }
}

/** The median as R's median() gives it: the mean of the two middle values when the count is even. */
export function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const half = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}
