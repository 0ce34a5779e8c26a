import { DEFAULT_RULES, PUSHED_METRICS, RuleSchema, type Rule, type SourceConfig } from './monitoring-schema.ts';
import type { RawConfig } from './schema.ts';
import type { ConfigPath } from './config-problem.ts';

/** A rule as it applies to one service in one environment, with where it was written ([] for the builtin table). */
export interface PlacedRule {
  rule: Rule;
  at: ConfigPath;
}

const BUILTIN_RULES: Rule[] = DEFAULT_RULES.map((r) => RuleSchema.parse(r));

/** Defaults (or the builtin table), then the environment's, then the service's: a later rule replaces one of its name. */
export function placeRules(raw: RawConfig, service: string, environment: string): PlacedRule[] {
  const byName = new Map<string, PlacedRule>();
  const layers: Array<[Rule[] | undefined, ConfigPath]> = [
    [raw.defaults.rules, ['defaults', 'rules']],
    [raw.environments[environment]?.rules, ['environments', environment, 'rules']],
    [raw.services[service]?.rules, ['services', service, 'rules']],
  ];
  if (!raw.defaults.rules) for (const rule of BUILTIN_RULES) byName.set(rule.name, { rule, at: [] });
  for (const [rules, path] of layers) rules?.forEach((rule, i) => byName.set(rule.name, { rule, at: [...path, i] }));
  return [...byName.values()];
}

/** Each metric a source reports, with the path under the source that names it (every probe reports probe_up). */
export function sourceMetrics(s: SourceConfig): Array<[metric: string, path: ConfigPath]> {
  if (s.kind === 'prometheus') return Object.keys(s.queries).map((m) => [m, ['queries', m]]);
  return [['probe_up', []], ...Object.keys(s.values).map((m): [string, ConfigPath] => [m, ['values', m]])];
}

/** Metrics a service can observe: what pushed samples carry, plus what its sources name. */
export function knownMetrics(sources: SourceConfig[]): Set<string> {
  const known = new Set<string>(PUSHED_METRICS);
  for (const s of sources) for (const [m] of sourceMetrics(s)) known.add(m);
  return known;
}
