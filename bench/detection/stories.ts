import type { Random } from './random.ts';

// The corpus: deploy stories whose truth is known. Each is plain data (levels and what changes at the deploy);
// simulate-story.ts turns one into counts and samples.

const STEP_SIZES = [1.2, 1.5, 2, 3, 5, 10] as const;
/** The detection columns, in the table's order. */
export const REGRESSIONS = [...STEP_SIZES.map((s) => `${s}×`), 'creep', 'seed 40×', 'lat shift', 'variance'] as const;
export type Regression = (typeof REGRESSIONS)[number];
/** The error-rate regressions of at least 2× (the detection goal). */
export const TWO_TIMES_OR_MORE: readonly Regression[] = ['2×', '3×', '5×', '10×', 'seed 40×'];

// Shares of the corpus. The seed's own incident (0.2 errors/min before, 8/min two minutes after) takes 2 points from
// plain noise so the step regressions keep their 20%.
const SHARES = {
  noise: 0.33,
  diurnal: 0.1,
  'spike/drop': 0.1,
  sparse: 0.05,
  missing: 0.05,
  step: 0.2,
  creep: 0.05,
  'seed incident': 0.02,
  'lat shift': 0.05,
  variance: 0.05,
} as const;
export type Kind = keyof typeof SHARES;
/** The kinds without a regression, for the false-rollback breakdown. */
export const HEALTHY_KINDS: readonly Kind[] = ['noise', 'diurnal', 'spike/drop', 'sparse', 'missing'];

/** A span of watch ticks [from, to). */
interface Span {
  from: number;
  to: number;
}

export interface Story {
  id: number;
  kind: Kind;
  regression: Regression | null;
  /** About 0.2 errors per minute before the deploy, as the seed's healthy service. */
  seedLevel: boolean;
  /** Requests per minute before the deploy. */
  rpm: number;
  errorRatio: number;
  /** Latency is log-normal: ln(ms) ~ N(mu, sigma). */
  mu: number;
  sigma: number;
  /** Traffic during the watch as a multiple of before (diurnal), and a spike or drop over part of it. */
  watchTraffic: number;
  burst: (Span & { factor: number }) | null;
  /** How the error ratio changes at the deploy: a step of errorStep×, a creep from 1× to 3× across the watch, the
   * seed's incident (0.2 → 8 errors/min over two minutes), or not at all. */
  errorShape: 'step' | 'creep' | 'seed' | 'none';
  errorStep: number;
  latencyShift: number;
  sigmaFactor: number;
  /** Ticks when the service pushes nothing (Prometheus keeps counting). */
  silent: Span | null;
}

const Z95 = 1.6448536269514722;

/** `size` stories, kinds in the shares above (exact counts) from `random`; a watch of `ticks` looks, `perMinute` a minute. */
export function generateStories(random: Random, size: number, watch: { ticks: number; perMinute: number }): Story[] {
  const { ticks, perMinute } = watch;
  const kinds = Object.entries(SHARES).flatMap(([kind, share]) => Array.from({ length: Math.round(share * size) }, () => kind as Kind));
  while (kinds.length < size) kinds.push('noise');
  kinds.length = size;
  let steps = 0;
  // One to three minutes somewhere in the watch.
  const span = (): Span => {
    const length = Math.round(random.uniform(perMinute, 3 * perMinute));
    const from = Math.floor(random.uniform(0, ticks - length + 1));
    return { from, to: from + length };
  };
  return kinds.map((kind, id): Story => {
    const seedLevel = kind === 'seed incident' || (kind !== 'sparse' && random.next() < 0.2);
    const rpm = kind === 'sparse' ? random.uniform(20, 60) : seedLevel ? random.logUniform(100, 400) : random.logUniform(20, 5_000);
    const sigma = random.uniform(0.3, 0.7);
    const step = kind === 'step' ? STEP_SIZES[steps++ % STEP_SIZES.length]! : 1;
    return {
      id,
      kind,
      regression: kind === 'step' ? `${step}×` : kind === 'creep' ? 'creep' : kind === 'seed incident' ? 'seed 40×' : kind === 'lat shift' || kind === 'variance' ? kind : null,
      seedLevel,
      rpm,
      errorRatio: kind === 'sparse' ? random.uniform(0.008, 0.012) : seedLevel ? 0.2 / rpm : random.logUniform(0.0005, 0.02),
      mu: Math.log(random.logUniform(100, 800)) - Z95 * sigma,
      sigma,
      watchTraffic: kind === 'diurnal' ? random.logUniform(0.5, 2) : 1,
      burst: kind === 'spike/drop' ? { ...span(), factor: random.pick([3, 0.3]) } : null,
      errorStep: step,
      errorShape: kind === 'step' ? 'step' : kind === 'creep' ? 'creep' : kind === 'seed incident' ? 'seed' : 'none',
      latencyShift: kind === 'lat shift' ? random.uniform(1.2, 2) : 1,
      sigmaFactor: kind === 'variance' ? random.uniform(2, 3) : 1,
      silent: kind === 'missing' ? span() : null,
    };
  });
}
