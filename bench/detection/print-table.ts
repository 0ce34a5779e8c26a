import Table from 'cli-table3';
import { ENOUGH_ERRORS, goalsOf, type Score } from './score.ts';
import { HEALTHY_KINDS, REGRESSIONS } from './stories.ts';

// The bench's output: one table of rule sets, then each goal met or missed.

const percent = (x: number | null) => (x === null ? 'n/a' : x === 0 ? '0' : x < 0.001 ? '<0.1%' : `${(x * 100).toFixed(1)}%`);
const seconds = (ms: number | null) => (ms === null ? '–' : `${Math.round(ms / 1000)} s`);

export function printTable(scores: Score[]): void {
  const table = new Table({
    head: ['rule set', 'false rb', ...REGRESSIONS, 'TTD p50', 'TTD p95', 'seed p50', 'inconcl.', 'errors unjudged'],
    style: { head: [], border: [] },
  });
  scores.forEach((s, i) =>
    table.push([
      `${i + 1}. ${s.label}`,
      percent(s.falseRollbacks),
      ...REGRESSIONS.map((g) => percent(s.detected.get(g)!)),
      seconds(s.medianMs),
      seconds(s.p95Ms),
      seconds(s.seedMedianMs),
      percent(s.inconclusive),
      percent(s.errorsNotJudged),
    ]),
  );
  console.log(table.toString());
  console.log('A regression counts as detected when its watch was rolled back at all: a row that rolls back most healthy deploys also "detects" most regressions.');
}

/** The healthy stories rolled back, per kind: where a rule set's false alarms come from. */
export function printFalseByKind(scores: Score[]): void {
  const table = new Table({ head: ['rule set', ...HEALTHY_KINDS, 'at seed level'], style: { head: [], border: [] } });
  scores.forEach((s, i) => table.push([`${i + 1}. ${s.label}`, ...HEALTHY_KINDS.map((k) => percent(s.falseByKind.get(k)!)), percent(s.falseAtSeedLevel)]));
  console.log(table.toString());
}

export function printGoals(scores: Score[]): void {
  const goals = goalsOf(scores[0]!).map((g) => g.goal);
  goals.forEach((goal, gi) => {
    console.log(`goal: ${goal}`);
    scores.forEach((s, i) => {
      const g = goalsOf(s)[gi]!;
      const value = gi === 2 ? seconds(g.value) : percent(g.value);
      const more =
        gi === 1 ? `; ${percent(s.twoTimesDetectedWithData)} of those with ≥ ${ENOUGH_ERRORS} errors expected in the 5 min before` : gi === 2 ? `; the seed's own incident ${seconds(s.seedIncidentMedianMs)}` : '';
      console.log(`  ${g.met ? 'met   ' : 'missed'}  ${i + 1}. ${s.label} (${value}${more})`);
    });
  });
}
