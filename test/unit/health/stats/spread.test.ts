import { describe, expect, it } from 'vitest';
import { spreadIncrease } from '../../../../src/health/stats/spread.ts';
import { expectClose } from './close.ts';

const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, k) => f(k + 1));

// Each row, in R 4.2.2 with dx <- abs(x - median(x)); dy <- abs(y - median(y));
// tt <- t.test(dx, dy, alternative = "greater", var.equal = TRUE): t = tt$statistic, df = tt$parameter,
// p = tt$p.value, ratio = mean(dx) / mean(dy).
const CASES: Array<[string, number[], number[], { ratio: number; t: number; df: number; pValue: number }]> = [
  // x <- c(1, 2, 3, 4, 10); y <- c(2, 3, 3, 4, 4)
  ['one wide value', [1, 2, 3, 4, 10], [2, 3, 3, 4, 4], { ratio: 3.666666666666667, t: 1.2649110640673518, df: 8, pValue: 0.12075198595652999 }],
  // x <- c(1, 2, 3, 4); y <- c(11, 12, 13, 14): a shifted location is not a wider spread
  ['the same spread elsewhere', [1, 2, 3, 4], [11, 12, 13, 14], { ratio: 1, t: 0, df: 6, pValue: 0.5 }],
  // x <- c(1, 5, 9); y <- c(5, 5, 5): mean(dy) is 0, so the ratio is Inf
  ['a constant baseline', [1, 5, 9], [5, 5, 5], { ratio: Infinity, t: 2, df: 4, pValue: 0.058058261758407753 }],
  // x <- c(0, 10); y <- c(1, 2, 4): two values, the smallest sample allowed
  ['two new values', [0, 10], [1, 2, 4], { ratio: 5, t: 5.3665631459994962, df: 3, pValue: 0.0063323359832610096 }],
  // x <- c(10, 10.5, 11, 10.2); y <- c(0, 20, 5, 15, 10)
  ['a narrower new sample', [10, 10.5, 11, 10.2], [0, 20, 5, 15, 10], { ratio: 0.054166666666666696, t: -2.6720256777639646, df: 7, pValue: 0.9840470707721739 }],
  // x <- 1e6 + c(0.1, 0.5, 0.9, 3.0, -2.0); y <- 1e6 + c(0.2, 0.3, 0.4, 0.5, 0.6, 0.7): deviations far below the level
  ['a large offset', [0.1, 0.5, 0.9, 3.0, -2.0].map((v) => 1e6 + v), [0.2, 0.3, 0.4, 0.5, 0.6, 0.7].map((v) => 1e6 + v), { ratio: 7.7333333341956676, t: 2.0207186055617923, df: 9, pValue: 0.037018022871217117 }],
  // x <- (((1:40) * 37) %% 101) / 10 + 1; y <- (((1:55) * 53) %% 97) / 10
  ['40 against 55, similar spreads', seq(40, (i) => ((i * 37) % 101) / 10 + 1), seq(55, (i) => ((i * 53) % 97) / 10), { ratio: 1.0245098039215685, t: 0.19913592919976725, df: 93, pValue: 0.4212955717033891 }],
  // x <- (((1:500) * 37) %% 101) * 3; y <- ((1:500) * 53) %% 97: a tiny p-value keeps its digits
  ['500 against 500, three times wider', seq(500, (i) => ((i * 37) % 101) * 3), seq(500, (i) => (i * 53) % 97), { ratio: 3.1245563351217496, t: 25.081382264088639, df: 998, pValue: 2.4019593210490235e-108 }],
];

describe('spreadIncrease', () => {
  it.each(CASES)('matches R for %s', (_name, x, y, expected) => {
    const result = spreadIncrease(x, y)!;
    expect(result.df).toBe(expected.df);
    expectClose(result.ratio, expected.ratio);
    expectClose(result.t, expected.t);
    expectClose(result.pValue, expected.pValue);
  });

  it.each([
    // The deviations are c(1, 1) and c(2, 2); R: t.test(c(1, 1), c(2, 2), alternative = "greater", var.equal = TRUE)
    // stops with "data are essentially constant".
    ['deviations constant on both sides', [0, 2], [1, 5]],
    // R: t.test(c(0, 0, 0), c(0, 0), alternative = "greater", var.equal = TRUE) gives t = NaN, p = NaN.
    ['no deviation on either side', [3, 3, 3], [7, 7]],
    ['a single new value', [1], [1, 2]],
    ['a single baseline value', [1, 2], [1]],
  ])('returns null for %s', (_name, x, y) => {
    expect(spreadIncrease(x, y)).toBeNull();
  });

  it.each([Number.NaN, Infinity])('throws RangeError on %s', (bad) => {
    expect(() => spreadIncrease([1, 2, bad], [1, 2])).toThrow(RangeError);
    expect(() => spreadIncrease([1, 2], [bad, 1, 2])).toThrow(RangeError);
  });
});
