import { describe, expect, it } from 'vitest';
import { rateRatioTest } from '../../../../src/health/stats/rate-ratio.ts';
import { expectClose } from './close.ts';

type Input = Parameters<typeof rateRatioTest>[0];

// Each row: p from poisson.test(…, alternative = "greater")$p.value, interval from the same call's default two-sided
// conf.int, ratio from $estimate; all R 4.2.2.
const CASES: Array<[string, Input, { ratio: number; lower: number; upper: number; pValue: number }]> = [
  // poisson.test(c(30, 10), c(1000, 1000), alternative = "greater"); poisson.test(c(30, 10), c(1000, 1000))
  ['three times the baseline rate', { events: 30, exposure: 1000, baselineEvents: 10, baselineExposure: 1000 }, { ratio: 3, lower: 1.4274084701515846, upper: 6.8793017710183255, pValue: 0.0011107168866146837 }],
  // poisson.test(c(10, 10), c(1000, 1000), alternative = "greater"); poisson.test(c(10, 10), c(1000, 1000))
  ['a tie', { events: 10, exposure: 1000, baselineEvents: 10, baselineExposure: 1000 }, { ratio: 1, lower: 0.37354684669936622, upper: 2.677040400249473, pValue: 0.58809852600097634 }],
  // poisson.test(c(0, 12), c(500, 800), alternative = "greater"); poisson.test(c(0, 12), c(500, 800))
  ['no events now', { events: 0, exposure: 500, baselineEvents: 12, baselineExposure: 800 }, { ratio: 0, lower: 0, upper: 0.57583010766032627, pValue: 1 }],
  // poisson.test(c(5, 0), c(100, 100), alternative = "greater"); poisson.test(c(5, 0), c(100, 100))
  ['no events in the baseline', { events: 5, exposure: 100, baselineEvents: 0, baselineExposure: 100 }, { ratio: Infinity, lower: 0.91635585731546021, upper: Infinity, pValue: 0.03125 }],
  // poisson.test(c(1, 1), c(1, 1), alternative = "greater"); poisson.test(c(1, 1), c(1, 1))
  ['one event a side', { events: 1, exposure: 1, baselineEvents: 1, baselineExposure: 1 }, { ratio: 1, lower: 0.012739367083666625, upper: 78.496835316262846, pValue: 0.75 }],
  // poisson.test(c(1050000, 1000000), c(1e8, 1e8), alternative = "greater"); poisson.test(c(1050000, 1000000), c(1e8, 1e8))
  ['huge counts, a 5% rise', { events: 1_050_000, exposure: 1e8, baselineEvents: 1_000_000, baselineExposure: 1e8 }, { ratio: 1.05, lower: 1.0471273935492007, upper: 1.0528805344882968, pValue: 1.6908090576855577e-267 }],
  // poisson.test(c(30, 10), c(1000, 1000), r = 2, alternative = "greater"); poisson.test(c(30, 10), c(1000, 1000), r = 2)
  ['ratio0 = 2: tripled is not clearly more than doubled', { events: 30, exposure: 1000, baselineEvents: 10, baselineExposure: 1000, ratio0: 2 }, { ratio: 3, lower: 1.4274084701515846, upper: 6.8793017710183255, pValue: 0.17143518822043508 }],
  // poisson.test(c(17, 40), c(250, 1200), r = 1.5, alternative = "greater"); poisson.test(c(17, 40), c(250, 1200), r = 1.5, conf.level = 0.9)
  ['unequal exposures, ratio0 = 1.5, 90%', { events: 17, exposure: 250, baselineEvents: 40, baselineExposure: 1200, ratio0: 1.5, confidence: 0.9 }, { ratio: 2.04, lower: 1.1983059284763833, upper: 3.3791097703600723, pValue: 0.17984535530309712 }],
  // poisson.test(c(100, 10), c(1000, 1000), alternative = "greater"); poisson.test(c(100, 10), c(1000, 1000), conf.level = 0.99)
  ['a tiny p-value keeps its digits, 99%', { events: 100, exposure: 1000, baselineEvents: 10, baselineExposure: 1000, confidence: 0.99 }, { ratio: 10, lower: 4.4178340980864856, upper: 27.872555854564389, pValue: 4.0047605946276904e-20 }],
  // poisson.test(c(3, 20), c(1000, 1000), r = 0.5, alternative = "greater"); poisson.test(c(3, 20), c(1000, 1000), r = 0.5)
  ['ratio0 = 0.5, fewer events now', { events: 3, exposure: 1000, baselineEvents: 20, baselineExposure: 1000, ratio0: 0.5 }, { ratio: 0.15, lower: 0.028543636359085901, upper: 0.50577269025756344, pValue: 0.99325031230177918 }],
  // poisson.test(c(12, 4), c(3.5, 10.25), alternative = "greater"); poisson.test(c(12, 4), c(3.5, 10.25), conf.level = 0.8)
  ['fractional exposures, 80%', { events: 12, exposure: 3.5, baselineEvents: 4, baselineExposure: 10.25, confidence: 0.8 }, { ratio: 8.7857142857142847, lower: 3.7436203973627848, upper: 22.805301250982467, pValue: 4.6289089467874343e-5 }],
];

describe('rateRatioTest', () => {
  it.each(CASES)('matches R for %s', (_name, input, expected) => {
    const result = rateRatioTest(input);
    expect(result).not.toBeNull();
    expectClose(result!.ratio, expected.ratio);
    expectClose(result!.lower, expected.lower);
    expectClose(result!.upper, expected.upper);
    expectClose(result!.pValue, expected.pValue);
  });

  it.each([
    ['no events on either side', { events: 0, exposure: 100, baselineEvents: 0, baselineExposure: 100 }],
    ['no exposure now', { events: 3, exposure: 0, baselineEvents: 2, baselineExposure: 100 }],
    ['no baseline exposure', { events: 3, exposure: 100, baselineEvents: 2, baselineExposure: 0 }],
  ])('has nothing to test with %s', (_name, input) => {
    expect(rateRatioTest(input)).toBeNull();
  });

  it.each([
    ['a negative count', { events: -1, exposure: 100, baselineEvents: 2, baselineExposure: 100 }],
    ['a fractional count', { events: 1, exposure: 100, baselineEvents: 2.5, baselineExposure: 100 }],
    ['a NaN count', { events: Number.NaN, exposure: 100, baselineEvents: 2, baselineExposure: 100 }],
    ['an infinite exposure', { events: 1, exposure: Infinity, baselineEvents: 2, baselineExposure: 100 }],
    ['a negative exposure', { events: 1, exposure: 100, baselineEvents: 2, baselineExposure: -1 }],
    ['ratio0 = 0', { events: 1, exposure: 100, baselineEvents: 2, baselineExposure: 100, ratio0: 0 }],
    ['confidence = 1', { events: 1, exposure: 100, baselineEvents: 2, baselineExposure: 100, confidence: 1 }],
  ])('throws RangeError on %s', (_name, input) => {
    expect(() => rateRatioTest(input)).toThrow(RangeError);
  });
});
