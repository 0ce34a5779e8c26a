import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parseConfig, type ResolvedRule } from '../../src/config/load.ts';
import { DEFAULT_RULES, RuleSchema, type RuleInput } from '../../src/config/monitoring-schema.ts';

// The table's rows: rule sets as backstop parses them, and the benchmark's own naive test for comparison.

export type RuleSet =
  | {
      kind: 'rules';
      label: string;
      rules: ResolvedRule[];
      /** Metrics a configured source (Prometheus) reports: judge() treats their silence as an outage. */
      pulled: ReadonlySet<string>;
      /** Also apply act()'s check that a threshold already breached before the deploy (then it only warns). */
      holdBackPreexisting: boolean;
    }
  | { kind: 'naive'; label: string; looks: 'every tick' | 'last tick' };

/** The metrics of the error rules: a story where none of them reached a verdict never judged its errors. */
export const ERROR_METRICS: ReadonlySet<string> = new Set(['error_rate_per_minute', 'recent_errors', 'errors', 'error_ratio']);

const resolved = (inputs: RuleInput[]): ResolvedRule[] => inputs.map((input) => ({ ...RuleSchema.parse(input), origin: 'bench' }));
const withoutOrigin = (rules: ResolvedRule[]) => rules.map(({ origin: _, ...rule }) => rule);

/**
 * The shipped example policy's rules, read by the real loader. It repeats the seed's table word for word, which
 * would only repeat row 1; the row then shows the same rules held back with `for: 3`, as a user tunes them first.
 */
function examplePolicy(path: string): RuleSet {
  const parsed = parseConfig(readFileSync(path, 'utf8'));
  if (!parsed.ok) throw new Error(`${path} does not parse: ${JSON.stringify(parsed.errors)}`);
  const [service, svc] = Object.entries(parsed.config.raw.services)[0]!;
  const rules = parsed.config.resolve(service, svc.environments[0]!)!.rules;
  const same = isDeepStrictEqual(withoutOrigin(rules), withoutOrigin(resolved(DEFAULT_RULES)));
  return {
    kind: 'rules',
    label: same ? 'example policy (= seed table), for: 3' : 'example policy',
    rules: same ? rules.map((r) => ({ ...r, for: 3 })) : rules,
    pulled: new Set(),
    holdBackPreexisting: false,
  };
}

export function ruleSets(examplePath: string): RuleSet[] {
  return [
    { kind: 'rules', label: 'seed thresholds', rules: resolved(DEFAULT_RULES), pulled: new Set(), holdBackPreexisting: false },
    { kind: 'rules', label: "seed thresholds, after act()'s pre-existing check", rules: resolved(DEFAULT_RULES), pulled: new Set(), holdBackPreexisting: true },
    examplePolicy(examplePath),
    {
      kind: 'rules',
      label: 'statistical (rate + distribution)',
      rules: resolved([
        { name: 'errors-vs-previous', metric: 'errors', baseline: { test: 'rate', per: 'requests' }, action: 'auto' },
        // per: the requests behind each side's samples, so a traffic swing is not read as a latency change.
        { name: 'latency-vs-previous', metric: 'p95_ms', baseline: { test: 'distribution', per: 'requests' }, action: 'propose' },
      ]),
      pulled: new Set(['errors', 'requests']),
      holdBackPreexisting: false,
    },
    {
      // Keptn's relative criteria as written: the mean of each SLI against the previous version's, +10% allowed, no
      // statistics. The error SLI is a ratio (errors / requests over a minute), as a Keptn SLO would define it.
      kind: 'rules',
      label: 'relative +10% (Keptn style)',
      rules: resolved([
        { name: 'error-ratio-relative', metric: 'error_ratio', baseline: { test: 'relative', at_most: '+10%' }, action: 'auto' },
        { name: 'latency-relative', metric: 'p95_ms', baseline: { test: 'relative', at_most: '+10%' }, action: 'propose' },
      ]),
      pulled: new Set(['error_ratio']),
      holdBackPreexisting: false,
    },
    { kind: 'naive', label: 'naive exact Poisson test, every tick', looks: 'every tick' },
    { kind: 'naive', label: 'same test, one look at the end (reference)', looks: 'last tick' },
  ];
}
