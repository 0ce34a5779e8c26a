import type { Random } from './random.ts';
import type { Story } from './stories.ts';

// One story as the service lived it, a tick at a time: requests and errors (Poisson), the tick's p95 latency, and
// whether the service pushed a sample. Tick b covers (deploy + b·tick, deploy + (b+1)·tick]; negative ticks are the
// previous version's (the baseline period, and a minute before it so rolling windows start full).

const Z95 = 1.6448536269514722;
const DENSITY_AT_Z95 = Math.exp((-Z95 * Z95) / 2) / Math.sqrt(2 * Math.PI);
// Above this many requests a tick's p95 is drawn from its large-sample distribution instead of from every request.
const EXACT_UP_TO = 200;

export interface Timeline {
  /** The earliest tick simulated (negative). */
  first: number;
  ticks: number;
  perMinute: number;
  requests: number[];
  errors: number[];
  /** The tick's p95 in whole ms; null when it served no request. */
  p95: Array<number | null>;
  pushed: boolean[];
}

/** Index of tick b in a timeline's arrays. */
export const at = (t: Timeline, b: number) => b - t.first;

/** The errors (or requests) of ticks (b − n, b]. */
export function sumBack(t: Timeline, xs: number[], b: number, n: number): number {
  let sum = 0;
  for (let i = Math.max(t.first, b - n + 1); i <= b; i++) sum += xs[at(t, i)]!;
  return sum;
}

const within = (span: { from: number; to: number } | null, b: number) => span !== null && b >= span.from && b < span.to;

function errorFactor(s: Story, b: number, ticks: number, perMinute: number): number {
  if (b < 0) return 1;
  if (s.errorShape === 'step') return s.errorStep;
  if (s.errorShape === 'creep') return 1 + (2 * (b + 1)) / ticks;
  // The seed's bad deploy: from 0.2 errors/min to 8 (40×) by two minutes after it.
  if (s.errorShape === 'seed') return Math.min(40, 1 + (39 * (b + 1)) / (2 * perMinute));
  return 1;
}

function tickP95(random: Random, n: number, mu: number, sigma: number): number | null {
  if (n === 0) return null;
  if (n > EXACT_UP_TO) return Math.round(Math.exp(mu + sigma * (Z95 + (random.normal() * Math.sqrt((0.95 * 0.05) / n)) / DENSITY_AT_Z95)));
  const xs = Array.from({ length: n }, () => Math.exp(mu + sigma * random.normal())).sort((a, b) => a - b);
  // Nearest rank, as a service's own histogram or summary reports it.
  return Math.round(xs[Math.ceil(0.95 * n) - 1]!);
}

export function simulateStory(random: Random, s: Story, watch: { ticks: number; perMinute: number }): Timeline {
  const { ticks, perMinute } = watch;
  const first = -ticks - perMinute;
  const t: Timeline = { first, ticks, perMinute, requests: [], errors: [], p95: [], pushed: [] };
  for (let b = first; b < ticks; b++) {
    const traffic = b < 0 ? 1 : s.watchTraffic * (s.burst && within(s.burst, b) ? s.burst.factor : 1);
    const requests = random.poisson((s.rpm / perMinute) * traffic);
    t.requests.push(requests);
    t.errors.push(Math.min(requests, random.poisson(requests * s.errorRatio * errorFactor(s, b, ticks, perMinute))));
    t.p95.push(b < 0 ? tickP95(random, requests, s.mu, s.sigma) : tickP95(random, requests, s.mu + Math.log(s.latencyShift), s.sigma * s.sigmaFactor));
    t.pushed.push(!within(s.silent, b));
  }
  return t;
}
