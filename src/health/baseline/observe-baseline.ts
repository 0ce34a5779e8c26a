import type { ResolvedRule } from '../../config/load.ts';
import type { Observation } from '../rules/evaluate-rule.ts';
import { judgeBaseline } from './judge-baseline.ts';
import type { BaselineReading } from './read-baseline.ts';

export type ObserveBaseline = typeof observeBaseline;

/**
 * A baseline rule's observation at `now`: each look is new (the data is read again over a longer span), and the
 * comparison rides along for the verdict, the words and the evidence.
 */
export function observeBaseline(rule: ResolvedRule, reading: BaselineReading | undefined, now: Date): Observation {
  const judged = judgeBaseline({ metric: rule.metric, baseline: rule.baseline! }, reading?.data ?? { kind: 'missing', detail: 'nothing was read' });
  return {
    value: judged.value,
    observedAt: now,
    samples: judged.counted.current,
    source: reading?.source ?? 'none',
    baseline: judged,
    ...(judged.verdict === 'inconclusive' ? { detail: judged.words } : {}),
  };
}
