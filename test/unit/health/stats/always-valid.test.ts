import { describe, expect, it } from 'vitest';
import { alwaysValid, logMixtureRatio } from '../../../../src/health/stats/always-valid.ts';

// Reference: Johari, Koomen, Pekelis & Walsh, "Always Valid Inference" (Operations Research 70(3), 2022), eq. (11):
// for a normal mixture N(θ0, τ²) over an estimate θ̂ with variance V,
//   Λ = sqrt(V / (V + τ²)) · exp(τ²(θ̂ − θ0)² / (2V(V + τ²))),  p = min(1, 1/Λ),
// and the confidence sequence is {θ0 : Λ(θ0) < 1/α}, half-width sqrt(V(V + τ²)/τ² · (2ln(1/α) + ln((V + τ²)/V))).
// The rows are that formula worked through step by step (shown in each comment), apart from the code under test.
describe('alwaysValid (the normal-mixture mSPRT)', () => {
  it.each([
    // θ̂ = 1, V = 0.25, τ = 1: ln Λ = ½ln(0.25/1.25) + 1·1/(2·0.25·1.25) = −0.80472 + 1.6 = 0.79528 → p = e^−0.79528 = 0.45145;
    // half-width = sqrt(0.25·1.25/1 · (2ln20 + ln5)) = sqrt(0.3125·7.60090) = 1.54119.
    [{ estimate: 1, variance: 0.25, nullValue: 0, tau: 1, alpha: 0.05 }, 0.45145, -0.5412, 2.5412],
    // θ̂ = 2, V = 0.1, τ = 0.5: ln Λ = ½ln(0.1/0.35) + 0.25·4/(2·0.1·0.35) = −0.62638 + 14.28571 = 13.65933 → p = 1.16903e-6;
    // half-width = sqrt(0.1·0.35/0.25 · (2ln100 + ln3.5)) = sqrt(0.14·10.46296) = 1.21030.
    [{ estimate: 2, variance: 0.1, nullValue: 0, tau: 0.5, alpha: 0.01 }, 1.16903e-6, 0.7897, 3.2103],
    // No evidence either way: θ̂ = θ0, so Λ = sqrt(V/(V + τ²)) = sqrt(0.5) < 1 and p = 1;
    // half-width = sqrt(0.04·0.08/0.04 · (2ln100 + ln2)) = sqrt(0.08·9.90348) = 0.89010.
    [{ estimate: 0.3, variance: 0.04, nullValue: 0.3, tau: 0.2, alpha: 0.01 }, 1, -0.5901, 1.1901],
  ])('%o', (input, p, lower, upper) => {
    const out = alwaysValid(input);
    expect(Math.abs(out.pValue - p) / p).toBeLessThan(1e-4);
    expect(out.lower).toBeCloseTo(lower, 3);
    expect(out.upper).toBeCloseTo(upper, 3);
  });

  // One-sided (a half-normal mixture over θ ≥ θ0): Λ = 2·Φ(τd / sqrt(V(V + τ²))) times the two-sided Λ.
  it.each([
    // θ̂ = 2, V = 0.1, τ = 0.5: the argument is 0.5·2/sqrt(0.1·0.35) = 5.34522, Φ = 1 − 4.5e-8, so ln Λ = 13.65933 + ln 2 = 14.35248.
    [2, 0.1, 0, 0.5, 14.35248],
    // θ̂ = 0.5, V = 0.04, τ = 0.3: two-sided ln Λ = ½ln(0.04/0.13) + 0.09·0.25/(2·0.04·0.13) = 1.57413; the argument is
    // 0.15/sqrt(0.04·0.13) = 2.08013, Φ = 0.98124, so ln Λ = 1.57413 + 0.69315 − 0.01894 = 2.24835.
    [0.5, 0.04, 0, 0.3, 2.24835],
    // No rise at all: Φ(0) = ½ cancels the 2, and Λ is the two-sided one, below 1.
    [0.3, 0.04, 0.3, 0.2, 0.5 * Math.log(0.5)],
  ])('one-sided: estimate %d, variance %d, null %d, tau %d → ln Λ %d', (estimate, variance, nullValue, tau, expected) => {
    expect(logMixtureRatio(estimate, variance, nullValue, tau, 'greater')).toBeCloseTo(expected, 4);
  });

  it('one-sided, a fall is no evidence of a rise', () => {
    expect(logMixtureRatio(-2, 0.1, 0, 0.5, 'greater')).toBeLessThan(0);
  });

  it('refuses a variance that is not positive and finite', () => {
    expect(() => alwaysValid({ estimate: 1, variance: 0, nullValue: 0, tau: 1, alpha: 0.05 })).toThrow(RangeError);
    expect(() => alwaysValid({ estimate: Number.NaN, variance: 1, nullValue: 0, tau: 1, alpha: 0.05 })).toThrow(RangeError);
  });

  // The property the monitor relies on: looking every tick does not inflate false alarms. A healthy deployment is
  // looked at 30 times as its data grows; the always-valid test may alarm at most alpha of the time, while a plain
  // z-test checked at every look alarms far more often. Seeded, so the figures are the same every run.
  it('keeps false alarms under alpha across 30 looks, where a test checked every look does not', () => {
    let seed = 42;
    const uniform = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    const alpha = 0.05;
    const runs = 4000;
    let alwaysValidAlarms = 0;
    let oneSidedAlarms = 0;
    let peekingAlarms = 0;
    for (let r = 0; r < runs; r++) {
      let sum = 0;
      let av = false;
      let oneSided = false;
      let peek = false;
      for (let look = 1; look <= 30; look++) {
        for (let i = 0; i < 10; i++) sum += normal();
        const n = look * 10;
        const estimate = sum / n;
        if (alwaysValid({ estimate, variance: 1 / n, nullValue: 0, tau: 0.3, alpha }).pValue <= alpha) av = true;
        if (logMixtureRatio(estimate, 1 / n, 0, 0.3, 'greater') >= Math.log(1 / alpha)) oneSided = true;
        if (Math.abs(estimate * Math.sqrt(n)) > 1.959964) peek = true;
      }
      if (av) alwaysValidAlarms++;
      if (oneSided) oneSidedAlarms++;
      if (peek) peekingAlarms++;
    }
    expect(alwaysValidAlarms / runs).toBeLessThanOrEqual(alpha);
    expect(oneSidedAlarms / runs).toBeLessThanOrEqual(alpha);
    expect(peekingAlarms / runs).toBeGreaterThan(2 * alpha);
  });
});
