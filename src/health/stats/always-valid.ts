// Always-valid inference: the mixture sequential probability ratio test (mSPRT) with a normal mixing distribution,
// as in Johari, Koomen, Pekelis & Walsh, "Peeking at A/B Tests" (KDD 2017) and "Always Valid Inference" (Operations
// Research 70(3), 2022), section 4. Its p-value may be read after every tick without inflating false alarms (Ville's
// inequality bounds the chance that 1/Λ ever falls to α by α), and it needs no memory of earlier looks, so the monitor,
// a one-off check and the card all reach the same verdict from the same data.

import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

export interface AlwaysValid {
  /** min(1, 1/Λ): the chance, under the null, of evidence this strong at any look. */
  pValue: number;
  /** The (1 − alpha) confidence sequence for the parameter: valid at every look at once. */
  lower: number;
  upper: number;
}

/**
 * `estimate` estimates a parameter θ with (approximately normal) sampling `variance`; the null is θ = `nullValue`.
 * `tau` is the mixing scale: the size of effect the test is tuned to find quickly (any size is found eventually).
 */
export function alwaysValid(input: { estimate: number; variance: number; nullValue: number; tau: number; alpha: number }): AlwaysValid {
  const { estimate, variance: v, nullValue, tau, alpha } = input;
  const t2 = tau * tau;
  const pValue = Math.min(1, Math.exp(-logMixtureRatio(estimate, v, nullValue, tau)));
  // The values θ0 the test would not reject at alpha: |θ̂ − θ0| below this half-width.
  const half = Math.sqrt(((v * (v + t2)) / t2) * (2 * Math.log(1 / alpha) + Math.log((v + t2) / v)));
  return { pValue, lower: estimate - half, upper: estimate + half };
}

/**
 * log Λ = ½·ln(V / (V + τ²)) + τ²·(θ̂ − θ0)² / (2V(V + τ²)), in logs so a decisive result does not overflow.
 * `greater` mixes over rises only (a half-normal, θ ≥ θ0): Λ is then 2·Φ(τ(θ̂ − θ0) / sqrt(V(V + τ²))) times the
 * two-sided one, still a mixture of likelihood ratios and so still always valid, and twice as quick to believe a rise.
 */
export function logMixtureRatio(estimate: number, variance: number, nullValue: number, tau: number, sided: 'two' | 'greater' = 'two'): number {
  if (!(variance > 0) || !Number.isFinite(estimate) || !Number.isFinite(variance)) throw new RangeError('the mSPRT needs a finite estimate and a positive, finite variance');
  const t2 = tau * tau;
  const d = estimate - nullValue;
  const twoSided = 0.5 * Math.log(variance / (variance + t2)) + (t2 * d * d) / (2 * variance * (variance + t2));
  if (sided === 'two') return twoSided;
  return twoSided + Math.LN2 + Math.log(normalCdf((tau * d) / Math.sqrt(variance * (variance + t2)), 0, 1));
}
