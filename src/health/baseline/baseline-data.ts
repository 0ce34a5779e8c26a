/** What a baseline rule compares: counts for a rate, samples for a distribution or a mean, or why there is nothing. */
export type BaselineData =
  | { kind: 'counts'; baselineVersion: string; current: Counts; baseline: Counts }
  | { kind: 'samples'; baselineVersion: string; current: number[]; baseline: number[]; traffic?: { current: number; baseline: number } }
  | { kind: 'missing'; detail: string };

export interface Counts {
  /** The metric's count: errors. */
  events: number;
  /** `per`'s count: requests. */
  exposure: number;
}

/** What the comparison found, in numbers and in words; the same on the card, in the evidence and in a check. */
export interface BaselineJudgment {
  verdict: 'breach' | 'ok' | 'inconclusive';
  /** The deployment's own value: events per exposure, the median, or the mean (null: no data). */
  value: number | null;
  baselineValue: number | null;
  baselineVersion: string | null;
  /** How many times the baseline (rate, spread, relative), or the relative shift of the median (distribution). */
  effect: number | null;
  /** The always-valid (1 − alpha) interval for the effect. */
  interval: [number, number] | null;
  /** Always-valid: checking every tick does not make a small one more likely. */
  pValue: number | null;
  /** Requests (rate) or samples on each side. */
  counted: { current: number; baseline: number };
  words: string;
}
