import type { Baseline } from '../../config/monitoring-schema.ts';
import { alwaysValid, logMixtureRatio } from '../stats/always-valid.ts';
import { mannWhitneyGreater } from '../stats/mann-whitney.ts';
import { spreadIncrease } from '../stats/spread.ts';
import type { BaselineData, BaselineJudgment, Counts } from './baseline-data.ts';
import { median } from '../stats/sample.ts';
import { count, interval, level, num, pct, times } from './baseline-words.ts';

// Below this on either side nothing is judged (inconclusive, never a pass), unless the rule says min_traffic.
const DEFAULT_MIN = { rate: 100, distribution: 10, relative: 3 } as const;
// The mixing scales of the always-valid test: the effect each is tuned to find fastest. Twice the baseline's error
// rate (on the log scale); a sample slower than the baseline's 70% of the time; half as scattered again.
const TAU = { rate: Math.LN2, distribution: 0.2, spread: Math.log(1.5) } as const;

type Judged = Omit<BaselineJudgment, 'baselineVersion'>;

/** One baseline rule's finding: an always-valid test of "worse than the baseline by more than at_most". Pure. */
export function judgeBaseline(rule: { metric: string; baseline: Baseline }, data: BaselineData): BaselineJudgment {
  const b = rule.baseline;
  if (data.kind === 'missing') return { ...nothing(`${rule.metric}: ${data.detail}`), baselineVersion: null };
  const min = b.min_traffic ?? DEFAULT_MIN[b.test];
  let judged: Judged;
  if (data.kind === 'counts') judged = b.test === 'rate' ? rate(rule.metric, b, data.current, data.baseline, data.baselineVersion, min) : nothing(`${rule.metric}: expected samples for test: ${b.test}`);
  else if (b.test === 'rate') judged = nothing(`${rule.metric}: expected counts for test: rate`);
  else judged = incomparable(rule.metric, b, data) ?? (b.test === 'distribution' ? distribution : relative)(rule.metric, b, data.current, data.baseline, data.baselineVersion, min);
  return { ...judged, baselineVersion: data.baselineVersion };
}

const nothing = (words: string): Judged => ({ verdict: 'inconclusive', value: null, baselineValue: null, effect: null, interval: null, pValue: null, counted: { current: 0, baseline: 0 }, words });

// A sample of a quiet minute scatters more, and its p95 sits elsewhere, than a busy minute's: past this ratio of
// traffic between the sides, their samples describe the traffic as much as the version.
const MAX_TRAFFIC_RATIO = 2;

function incomparable(metric: string, b: Baseline, data: Extract<BaselineData, { kind: 'samples' }>): Judged | null {
  const t = data.traffic;
  if (!t || (t.current === 0 && t.baseline === 0)) return null;
  const ratio = t.baseline > 0 ? t.current / t.baseline : Infinity;
  if (ratio <= MAX_TRAFFIC_RATIO && ratio >= 1 / MAX_TRAFFIC_RATIO) return null;
  const counted = { current: data.current.length, baseline: data.baseline.length };
  return { ...nothing(`${metric}: ${b.per} now ${num(t.current)}/s against ${data.baselineVersion}'s ${num(t.baseline)}/s; samples over traffic this different are not comparable`), counted };
}

function tooLittle(metric: string, what: string, counted: Judged['counted'], min: number, version: string): Judged {
  return { ...nothing(`${metric}: too little to compare with ${version} (${count(counted.current)} ${what} now, ${count(counted.baseline)} before; at least ${count(min)} on each side needed)`), counted };
}

// Errors per request against the baseline's, on the log rate ratio θ. The estimate adds ½ to each count, so a count of
// zero is not infinitely sure of itself. Its variance is taken under the null, from the counts the null expects given
// the events seen (n·p0 and n·(1 − p0), the score test's form): a baseline with no errors at all then still lets forty
// errors now count as evidence, where the plug-in variance 1/x + 1/y would drown them. One-sided: the mixture is over
// rises only, and only a rise past the allowance can breach. The interval's lower end is where the same test starts to reject, so a breach always shows an
// interval above the allowance.
function rate(metric: string, b: Baseline, now: Counts, before: Counts, version: string, min: number): Judged {
  const counted = { current: now.exposure, baseline: before.exposure };
  const per = b.per ?? 'requests';
  if (now.exposure < min || before.exposure < min) return tooLittle(metric, per, counted, min, version);
  const value = now.events / now.exposure;
  const baselineValue = before.events / before.exposure;
  const allowed = `${pct(b.at_most, '+')} allowed`;
  // How many errors the baseline's rate would give the traffic seen now: below a few, no rise could be told from
  // chance, so not seeing one proves nothing (and a regressed version must not become the next known-good).
  const expected = baselineValue * now.exposure;
  const unsure = `too few ${metric} expected at ${version}'s rate to tell a rise (${num(expected)} in ${count(now.exposure)} ${per}; ${MIN_EXPECTED_EVENTS} needed)`;
  const n = now.events + before.events;
  if (n === 0) return { ...nothing(`${metric}/${per}: no ${metric} now or in ${version}'s ${count(before.exposure)} ${per}: ${unsure}`), counted, value, baselineValue };
  const estimate = Math.log((now.events + 0.5) / now.exposure) - Math.log((before.events + 0.5) / before.exposure);
  const logLambda = (theta0: number) => {
    const p0 = 1 / (1 + before.exposure / (Math.exp(theta0) * now.exposure));
    return logMixtureRatio(estimate, 1 / (n * p0) + 1 / (n * (1 - p0)), theta0, TAU.rate, 'greater');
  };
  const limit = Math.log(1 + b.at_most);
  const pValue = estimate > limit ? Math.min(1, Math.exp(-logLambda(limit))) : 1;
  const breach = pValue <= b.alpha;
  const rejects = (theta0: number) => logLambda(theta0) >= Math.log(1 / b.alpha);
  const lower = breach ? boundary(limit, estimate, rejects) : lowerEdge(estimate, rejects);
  // Far above the estimate the null expects almost no baseline events and the normal approximation breaks down (the
  // variance grows faster than the distance): the upper end takes the plug-in variance instead. It decides nothing.
  const upper = alwaysValid({ estimate, variance: 1 / (now.events + 0.5) + 1 / (before.events + 0.5), nullValue: estimate, tau: TAU.rate, alpha: b.alpha }).upper;
  const effect = baselineValue > 0 ? value / baselineValue : Math.exp(estimate);
  const interval: [number, number] = [lower === null ? 0 : Math.exp(lower), Math.exp(upper)];
  const then = before.events === 0 ? `none in ${count(before.exposure)} ${per}` : pct(baselineValue);
  const words =
    `${metric}/${per} ${before.events === 0 ? `${count(now.events)} now where ${version} had none` : `${times(effect)} ${version}'s`} (${version}: ${then}, now ${pct(value)}; ` +
    `${rangeWords(b.alpha, interval)}; ${count(now.exposure)} ${per} now, ${count(before.exposure)} before): `;
  const judged = { value, baselineValue, effect: before.events === 0 ? null : effect, interval, pValue, counted };
  if (breach) return { ...judged, verdict: 'breach', words: `${words}more than the ${allowed}` };
  if (expected < MIN_EXPECTED_EVENTS) return { ...judged, verdict: 'inconclusive', words: `${words}not shown to exceed the ${allowed}, but ${unsure}` };
  return { ...judged, verdict: 'ok', words: `${words}not shown to exceed the ${allowed}` };
}

// A Poisson count below this many expected events cannot show a doubling at the default alpha within a watch.
const MIN_EXPECTED_EVENTS = 5;

// Where the rejection region begins, walking down from the estimate in steps of 1% of the ratio: the first rejected
// θ0, or null when none is within a factor of e^12 (the interval reaches 0).
function lowerEdge(estimate: number, rejected: (theta0: number) => boolean): number | null {
  for (let step = 1; step <= 1200; step++) {
    const theta0 = estimate - step * 0.01;
    if (rejected(theta0)) return theta0;
  }
  return null;
}

// The edge between a rejected θ0 (`outside`, the allowance on a breach) and the estimate, which is never rejected.
function boundary(outside: number, estimate: number, rejected: (theta0: number) => boolean): number {
  let lo = outside;
  let hi = estimate;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (rejected(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

// Three digits at the ends, so an interval that only just clears the allowance (1.13 against +10%) shows that it
// does; past a thousandfold the upper end says nothing a person can use.
const bound = (x: number) => String(Number(x.toPrecision(3)));
const rangeWords = (alpha: number, [lower, upper]: [number, number]) =>
  upper > 1000 ? `${level(alpha)} interval above ${bound(lower)}×` : interval(alpha, bound(lower), `${bound(upper)}×`);

// Latency and the like: is a sample now, shrunk by the allowance, still slower than a baseline sample more often than
// not (Mann-Whitney's P(X > Y))? And are the samples more scattered (mean absolute deviation from the median)?
// Each question gets half of alpha.
function distribution(metric: string, b: Baseline, now: number[], before: number[], version: string, min: number): Judged {
  const counted = { current: now.length, baseline: before.length };
  if (now.length < min || before.length < min) return tooLittle(metric, 'samples', counted, min, version);
  const allowed = now.map((x) => x / (1 + b.at_most));
  const n = now.length;
  const m = before.length;
  const mw = mannWhitneyGreater(allowed, before)!;
  const shift = alwaysValid({ estimate: mw.superiority - 0.5, variance: (n + m + 1) / (12 * n * m), nullValue: 0, tau: TAU.distribution, alpha: b.alpha / 2 });
  // One-sided, as the breach is: faster samples are no evidence against the deployment.
  const shiftP = mw.superiority > 0.5 ? shift.pValue : 1;
  const slower = shiftP <= b.alpha / 2;
  const spread = spreadFinding(allowed, before, b.alpha / 2);
  const value = median(now);
  const baselineValue = median(before);
  const relativeShift = baselineValue !== 0 ? (value - baselineValue) / Math.abs(baselineValue) : null;
  const scatter = spreadIncrease(now, before)?.ratio ?? null;
  const shiftWords =
    `${metric} median ${num(value)} against ${version}'s ${num(baselineValue)}${relativeShift === null ? '' : ` (${pct(relativeShift, '±')})`}; ` +
    `more than ${pct(b.at_most, '+')} above ${version}'s in ${pct(mw.superiority)} of pairs of samples (${interval(b.alpha / 2, pct(Math.max(0, 0.5 + shift.lower)).replace('%', ''), pct(Math.min(1, 0.5 + shift.upper)))})`;
  const spreadWords = scatter === null ? '' : `; spread ${times(scatter)} ${version}'s${spread.breach ? ', a significant rise' : ''}`;
  const words = `${shiftWords}${spreadWords}; ${n} samples now, ${m} before`;
  const breach = slower || spread.breach;
  return {
    verdict: breach ? 'breach' : 'ok',
    value,
    baselineValue,
    effect: slower || !spread.breach ? relativeShift : scatter,
    interval: [Math.max(0, 0.5 + shift.lower), Math.min(1, 0.5 + shift.upper)],
    // Each question had half of alpha: doubled, the smaller p-value is comparable with the rule's alpha.
    pValue: Math.min(1, 2 * Math.min(shiftP, spread.pValue)),
    counted,
    words,
  };
}

// A rise in scatter: the log ratio of mean absolute deviations from the median, with the delta method's variance.
function spreadFinding(now: number[], before: number[], alpha: number): { breach: boolean; pValue: number } {
  const dev = (xs: number[]) => {
    const med = median(xs);
    const d = xs.map((x) => Math.abs(x - med));
    const mean = d.reduce((s, x) => s + x, 0) / d.length;
    const variance = d.reduce((s, x) => s + (x - mean) ** 2, 0) / (d.length - 1);
    return { mean, variance, n: d.length };
  };
  const x = dev(now);
  const y = dev(before);
  if (x.mean <= 0 || y.mean <= 0) return { breach: false, pValue: 1 };
  const variance = x.variance / (x.n * x.mean ** 2) + y.variance / (y.n * y.mean ** 2);
  if (!(variance > 0)) return { breach: false, pValue: 1 };
  const estimate = Math.log(x.mean / y.mean);
  const av = alwaysValid({ estimate, variance, nullValue: 0, tau: TAU.spread, alpha });
  const pValue = estimate > 0 ? av.pValue : 1;
  return { breach: pValue <= alpha, pValue };
}

// Keptn's relative criterion, as written: the mean now against the baseline's mean times the allowance. No statistics.
function relative(metric: string, b: Baseline, now: number[], before: number[], version: string, min: number): Judged {
  const counted = { current: now.length, baseline: before.length };
  if (now.length < min || before.length < min) return tooLittle(metric, 'samples', counted, min, version);
  const value = now.reduce((s, x) => s + x, 0) / now.length;
  const baselineValue = before.reduce((s, x) => s + x, 0) / before.length;
  if (baselineValue <= 0) return { ...nothing(`${metric}: ${version}'s mean is ${num(baselineValue)}, so "${pct(b.at_most, '+')}" of it means nothing`), counted };
  const effect = value / baselineValue;
  const breach = value > baselineValue * (1 + b.at_most);
  const words = `${metric} mean ${num(value)} is ${pct(effect - 1, '±')} against ${version}'s ${num(baselineValue)}: ${breach ? 'more than' : 'within'} the ${pct(b.at_most, '+')} allowed (${now.length} samples now, ${before.length} before)`;
  return { verdict: breach ? 'breach' : 'ok', value, baselineValue, effect, interval: null, pValue: null, counted, words };
}
