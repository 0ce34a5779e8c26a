import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mannWhitneyGreater } from '../../../../src/health/stats/mann-whitney.ts';
import { medianOfDifferences } from '../../../../src/health/stats/pairwise-median.ts';
import { expectClose } from './close.ts';

/** seq(n, f) is R's f(1:n): the generated samples below are written the same way in both languages. */
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, k) => f(k + 1));

// Each row, in R 4.2.2 with w <- wilcox.test(x, y, alternative = "greater", exact = FALSE, correct = TRUE):
// u = w$statistic, p = w$p.value, shift = median(outer(x, y, "-")), and z as wilcox.test.default computes it,
// (w$statistic - n*m/2 - 0.5) / sqrt(n*m/12 * ((n+m+1) - sum(NTIES^3 - NTIES)/((n+m)*(n+m-1)))), NTIES <- table(rank(c(x, y))).
const CASES: Array<[string, number[], number[], { u: number; z: number; pValue: number; shift: number }]> = [
  // x <- c(1.1, 2.2, 3.3, 4.4); y <- c(0.5, 1.5, 2.5)
  ['no ties', [1.1, 2.2, 3.3, 4.4], [0.5, 1.5, 2.5], { u: 9, z: 0.88388347648318433, pValue: 0.18837955890579108, shift: 1.25 }],
  // x <- c(1, 2, 2, 3, 3, 3); y <- c(1, 1, 2, 2, 3)
  ['ties across the samples', [1, 2, 2, 3, 3, 3], [1, 1, 2, 2, 3], { u: 20.5, z: 0.96714742912332874, pValue: 0.16673516913094372, shift: 1 }],
  // x <- c(5, 5); y <- c(5, 5, 5): sigma is 0, R gives z = -Inf and p = 1
  ['every value tied', [5, 5], [5, 5, 5], { u: 3, z: -Infinity, pValue: 1, shift: 0 }],
  // x <- 2; y <- 1
  ['one value a side', [2], [1], { u: 1, z: 0, pValue: 0.5, shift: 1 }],
  // x <- c(1, 2, 3); y <- c(10, 11, 12, 13)
  ['x entirely below y', [1, 2, 3], [10, 11, 12, 13], { u: 0, z: -2.2980970388562794, pValue: 0.98922186661999179, shift: -9.5 }],
  // x <- c(-3.5, 0, 250, 1e6); y <- c(-1e6, -2, 0, 0, 7.25)
  ['negatives, zeros and a huge outlier', [-3.5, 0, 250, 1e6], [-1e6, -2, 0, 0, 7.25], { u: 14, z: 0.87197753846426973, pValue: 0.19161031564282199, shift: 250 }],
  // x <- 3; y <- c(1, 2, 3, 4, 5): an odd number of differences
  ['a single new value among the baseline', [3], [1, 2, 3, 4, 5], { u: 2.5, z: -0.29704426289300229, pValue: 0.61678364177292722, shift: 0 }],
  // x <- (((1:40) * 37) %% 101) / 10 + 1; y <- (((1:55) * 53) %% 97) / 10
  ['40 against 55', seq(40, (i) => ((i * 37) % 101) / 10 + 1), seq(55, (i) => ((i * 53) % 97) / 10), { u: 1413.5, z: 2.3594996731754341, pValue: 0.0091497984934063199, shift: 1.5 }],
  // x <- 301:600; y <- 1:300: complete separation, p far below double's relative rounding of 1
  ['complete separation', seq(300, (i) => i + 300), seq(300, (i) => i), { u: 90000, z: 21.19531232642094, pValue: 5.2748207434467191e-100, shift: 300 }],
  // x <- (((1:2000) * 7919) %% 1009) / 10 + 2; y <- (((1:2000) * 4099) %% 1013) / 10: the size the monitor sees, many ties
  ['2000 against 2000', seq(2000, (i) => ((i * 7919) % 1009) / 10 + 2), seq(2000, (i) => ((i * 4099) % 1013) / 10), { u: 2074052, z: 2.0277313205443193, pValue: 0.021293838602317004, shift: 1.8999999999999986 }],
];

describe('mannWhitneyGreater', () => {
  it.each(CASES)('matches R for %s', (_name, x, y, expected) => {
    const result = mannWhitneyGreater(x, y)!;
    expect(result).toMatchObject({ n: x.length, m: y.length, u: expected.u });
    expectClose(result.z, expected.z);
    expectClose(result.pValue, expected.pValue);
    expectClose(result.shift, expected.shift, 1e-12);
    expect(result.superiority).toBe(expected.u / (x.length * y.length));
  });

  it('counts ties as half in the superiority', () => {
    // Pairs (2>1, 2=2, 3>1, 3>2) of 2×2: three wins and one tie.
    expect(mannWhitneyGreater([2, 3], [1, 2])!.superiority).toBe(3.5 / 4);
  });

  it('returns null when a sample is empty', () => {
    expect(mannWhitneyGreater([], [1, 2])).toBeNull();
    expect(mannWhitneyGreater([1, 2], [])).toBeNull();
  });

  it.each([Number.NaN, Infinity, -Infinity])('throws RangeError on %s rather than dropping it', (bad) => {
    expect(() => mannWhitneyGreater([1, bad], [1, 2])).toThrow(RangeError);
    expect(() => mannWhitneyGreater([1, 2], [bad, 2])).toThrow(RangeError);
  });
});

describe('medianOfDifferences', () => {
  const bruteForce = (x: number[], y: number[]) => {
    const all = Float64Array.from(x.flatMap((a) => y.map((b) => a - b))).sort();
    const half = all.length >> 1;
    return all.length % 2 === 1 ? all[half]! : (all[half - 1]! + all[half]!) / 2;
  };

  it('equals the median of every difference, ties and all', () => {
    // Small integers force ties; the sizes cross the point where the selection stops pruning and sorts what is left.
    const sample = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 60 });
    fc.assert(fc.property(sample, sample, (x, y) => medianOfDifferences(x, y) === bruteForce(x, y)), { numRuns: 300 });
  });

  it('equals the median of every difference for spread-out doubles', () => {
    const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 80 });
    fc.assert(fc.property(sample, sample, (x, y) => medianOfDifferences(x, y) === bruteForce(x, y)), { numRuns: 200 });
  });

  it('handles 10^10 differences without storing them', () => {
    // A shifted copy: the differences are symmetric about the shift, so the median is exactly 7.
    const y = seq(100_000, (i) => (i * 7919) % 100_003);
    expect(medianOfDifferences(y.map((v) => v + 7), y)).toBe(7);
  });
});
