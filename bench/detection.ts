// Detection quality: a seeded corpus of deploy stories with known truth (healthy noise, traffic swings, sparse
// errors, silence; error-rate steps, creeps, the seed's own incident, latency shifts and spread), each replayed look
// by look through backstop's real judgment (evaluateRule, observeBaseline, judge) on a simulated clock, per rule set.
// No database and no network: only the reads are simulated. Same seed, same table.
// Goals: false rollbacks ≤ 1% while checking every tick; ≥ 95% of ≥ 2× error-rate regressions detected; median
// detection under 2 minutes at the seed's traffic levels.
// Usage: node bin/run-ts.mjs bench/detection.ts [stories] [seed] [--by-kind]
//   BENCH_RATE_WINDOW: the minutes a service counts error_rate_per_minute over (default 1).
import { MonitoringSchema } from '../src/config/monitoring-schema.ts';
import { createRandom } from './detection/random.ts';
import { printFalseByKind, printGoals, printTable } from './detection/print-table.ts';
import type { ReadOptions } from './detection/read-story.ts';
import { replayNaive, replayRules } from './detection/replay.ts';
import { ruleSets } from './detection/rule-sets.ts';
import { goalsOf, score } from './detection/score.ts';
import { simulateStory } from './detection/simulate-story.ts';
import { generateStories } from './detection/stories.ts';
import { round, runBench } from './support.ts';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const STORIES = Number(positional[0] ?? 5_000);
const SEED = Number(positional[1] ?? 20_260_101);
const BY_KIND = process.argv.includes('--by-kind');
const RATE_WINDOW_MINUTES = Number(process.env.BENCH_RATE_WINDOW ?? 1);
// Any fixed instant: the stories only need a deploy time to count from.
const DEPLOYED_AT = new Date('2026-01-01T12:00:00Z');

async function main() {
  if (!(STORIES >= 1) || !Number.isInteger(SEED)) throw new Error('usage: detection.ts [stories ≥ 1] [integer seed] [--by-kind]');
  // The monitor's defaults: a 10 s tick over a 5 min watch is 30 looks.
  const monitoring = MonitoringSchema.parse({});
  const watch = { ticks: Math.round(monitoring.watch_window / monitoring.tick), perMinute: Math.round(60_000 / monitoring.tick) };
  const read: ReadOptions = { deployedAt: DEPLOYED_AT, tickMs: monitoring.tick, staleAfterMs: monitoring.stale_after, rateWindowMinutes: RATE_WINDOW_MINUTES };

  const random = createRandom(SEED);
  const stories = generateStories(random, STORIES, watch);
  const timelines = stories.map((s) => simulateStory(random, s, watch));

  const sets = ruleSets(new URL('../examples/backstop.example.yaml', import.meta.url).pathname);
  const t0 = performance.now();
  const scores = sets.map((set) => {
    const results = timelines.map((t) => (set.kind === 'rules' ? replayRules(set, t, read) : replayNaive(set, t, read)));
    return score(set.label, stories, results, set.kind === 'rules');
  });
  const replayMs = performance.now() - t0;

  const seedLevel = stories.filter((s) => s.seedLevel).length;
  console.log(
    `detection: ${stories.length.toLocaleString('en-US')} stories (${seedLevel} at the seed's ~0.2 errors/min), seed ${SEED}, ` +
      `${watch.ticks} looks of ${monitoring.tick / 1000} s, error_rate_per_minute over ${RATE_WINDOW_MINUTES} min; ` +
      `replayed ${sets.length} rule sets in ${round(replayMs / 1000)} s`,
  );
  printTable(scores);
  if (BY_KIND) {
    console.log('false rollbacks by kind of healthy story:');
    printFalseByKind(scores);
  }
  printGoals(scores);
  console.log(
    JSON.stringify({
      bench: 'detection',
      seed: SEED,
      stories: stories.length,
      replay_ms: Math.round(replayMs),
      results: Object.fromEntries(scores.map((s) => [s.label, Object.fromEntries(goalsOf(s).map((g, i) => [['false_rollbacks', 'two_times_detected', 'seed_median_ms'][i]!, g.value === null ? null : round(g.value * (i === 2 ? 1 : 100))]))])),
    }),
  );
}

runBench(main);
