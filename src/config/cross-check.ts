import type { ConfigPath, ConfigProblem } from './config-problem.ts';
import { formatDuration } from './duration.ts';
import { knownMetrics, placeRules, sourceMetrics } from './resolve-rules.ts';
import { DAY_MS, type RawConfig } from './schema.ts';
import { pathOf } from './format-issues.ts';
import { PUSHED_METRICS, type SourceConfig } from './monitoring-schema.ts';
import { suggest } from './suggest.ts';

// What the schema cannot see, checked once it has passed: one part of the file against another.

// Readings are keyed by metric, so a second source of the same name would silently replace the first one's value.
function duplicateSourceMetrics(service: string, sources: SourceConfig[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const firstSource = new Map<string, number>();
  sources.forEach((s, i) => {
    for (const [metric, path] of sourceMetrics(s)) {
      const first = firstSource.get(metric);
      if (first === undefined) firstSource.set(metric, i);
      else {
        const by = first === i ? `this probe (every http_probe reports ${metric})` : `sources[${first}]`;
        problems.push({ path: ['services', service, 'sources', i, ...path], at: path.length ? 'key' : 'value', message: `${metric} is already reported by ${by}; a metric has one source` });
      }
    }
  });
  return problems;
}

// A finished rollback is rechecked once: findRollbacksDueRecheck looks for its recheck decision until a day past
// recheck_after, so a decision expired sooner would have it rechecked (and on-call paged) a second time.
function retentionProblems(raw: RawConfig): ConfigProblem[] {
  const recheck = raw.monitoring.recheck_after;
  if (raw.retention.health_decisions > DAY_MS + recheck) return [];
  return [{ path: ['retention', 'health_decisions'], at: 'value', message: `expected more than 1d plus monitoring.recheck_after (${formatDuration(recheck)}): a rollback's recheck decision must outlive the day it is looked for` }];
}

function unknownMetrics(raw: RawConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const reported = new Set<string>();
  for (const [name, svc] of Object.entries(raw.services)) {
    const known = [...knownMetrics(svc.sources)].sort();
    for (const env of svc.environments) {
      if (!raw.environments[env]) continue;
      for (const { rule, at } of placeRules(raw, name, env)) {
        const named: Array<[string, ConfigPath]> = [[rule.metric, [...at, 'metric']]];
        if (rule.min_traffic) named.push([rule.min_traffic.metric, [...at, 'min_traffic', 'metric']]);
        for (const [metric, path] of named) {
          const key = pathOf(path);
          if (known.includes(metric) || reported.has(key)) continue;
          reported.add(key);
          const suggestion = suggest(metric, known);
          problems.push({ path, at: 'value', message: `unknown metric "${metric}" for service ${name} (known: ${known.join(', ')})`, expected: known, ...(suggestion ? { suggestion } : {}) });
        }
      }
    }
  }
  return problems;
}

// A baseline rule reads what its source can give: counts over {window} for a rate (Prometheus only: pushed samples
// carry no counts), the metric's samples otherwise (Prometheus or pushed, never the HTTP probe's single reading), and a
// canary's query must tell the two versions apart by {version}.
function baselineProblems(raw: RawConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const reported = new Set<string>();
  for (const [name, svc] of Object.entries(raw.services)) {
    const queries = new Map<string, string>();
    for (const s of svc.sources) if (s.kind === 'prometheus') for (const [m, q] of Object.entries(s.queries)) queries.set(m, q);
    const prometheus = [...queries.keys()].sort();
    for (const env of svc.environments) {
      if (!raw.environments[env]) continue;
      for (const { rule, at } of placeRules(raw, name, env)) {
        const b = rule.baseline;
        if (!b) continue;
        const add = (path: ConfigPath, message: string, expected?: string[]) => {
          const key = `${pathOf(path)} ${message}`;
          if (reported.has(key)) return;
          reported.add(key);
          const suggestion = expected ? suggest(String(path.at(-1) === 'per' ? b.per : rule.metric), expected) : undefined;
          problems.push({ path, at: 'value', message, ...(expected ? { expected } : {}), ...(suggestion ? { suggestion } : {}) });
        };
        const counted: Array<[string, ConfigPath]> = b.test === 'rate' ? [[rule.metric, [...at, 'metric']], [b.per!, [...at, 'baseline', 'per']]] : b.per ? [[b.per, [...at, 'baseline', 'per']]] : [];
        for (const [metric, path] of counted) {
          const query = queries.get(metric);
          if (query === undefined) add(path, `${b.test === 'rate' ? 'test: rate compares counts' : 'per counts the traffic behind the samples'}, and service ${name} has no Prometheus query named "${metric}" (pushed samples carry no counts; queries: ${prometheus.join(', ') || 'none'})`, prometheus);
          else if (!query.includes('{window}')) add(path, `the Prometheus query for "${metric}" must count over {window} (e.g. sum(increase(…[{window}]))), so each side counts the span being compared`);
        }
        if (b.test !== 'rate' && !queries.has(rule.metric) && !(PUSHED_METRICS as readonly string[]).includes(rule.metric)) {
          add([...at, 'metric'], `a baseline compares samples from Prometheus or pushed samples, and service ${name} has neither for "${rule.metric}"`, [...prometheus, ...PUSHED_METRICS]);
        }
        if (b.against === 'canary') {
          for (const metric of b.per ? [rule.metric, b.per] : [rule.metric]) {
            const query = queries.get(metric);
            if (query !== undefined && !query.includes('{version}')) add([...at, 'baseline', 'against'], `against: canary needs {version} in the Prometheus query for "${metric}", to tell the canary from the baseline beside it`);
          }
        }
      }
    }
  }
  return problems;
}

function unknownEnvironments(raw: RawConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const environments = Object.keys(raw.environments);
  for (const [name, svc] of Object.entries(raw.services)) {
    svc.environments.forEach((env, i) => {
      if (raw.environments[env]) return;
      const suggestion = suggest(env, environments);
      problems.push({ path: ['services', name, 'environments', i], at: 'value', message: `unknown environment "${env}" (not under environments)`, expected: environments, ...(suggestion ? { suggestion } : {}) });
    });
    for (const env of Object.keys(svc.executors ?? {})) {
      if (svc.environments.includes(env)) continue;
      const suggestion = suggest(env, svc.environments);
      problems.push({ path: ['services', name, 'executors', env], at: 'key', message: `"${env}" is not one of this service's environments`, expected: svc.environments, ...(suggestion ? { suggestion } : {}) });
    }
  }
  return problems;
}

// A person's token must exist, and one Discord account or token is one person: linked twice, whose vote would it be?
function peopleProblems(raw: RawConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const tokens = Object.keys(raw.api.tokens);
  const discordOwner = new Map<string, string>();
  const tokenOwner = new Map<string, string>();
  for (const [name, person] of Object.entries(raw.people)) {
    if (person.discord) {
      const other = discordOwner.get(person.discord);
      if (other) problems.push({ path: ['people', name, 'discord'], at: 'value', message: `Discord user "${person.discord}" is already person "${other}"` });
      else discordOwner.set(person.discord, name);
    }
    person.tokens.forEach((token, i) => {
      if (!raw.api.tokens[token]) {
        const suggestion = suggest(token, tokens);
        problems.push({ path: ['people', name, 'tokens', i], at: 'value', message: `unknown token "${token}" (not under api.tokens)`, expected: tokens, ...(suggestion ? { suggestion } : {}) });
      } else if (raw.api.tokens[token].speaks_for_others) {
        problems.push({ path: ['people', name, 'tokens', i], at: 'value', message: `token "${token}" speaks for others, so it is not one person` });
      }
      const other = tokenOwner.get(token);
      if (other) problems.push({ path: ['people', name, 'tokens', i], at: 'value', message: `token "${token}" is already person "${other}"` });
      else tokenOwner.set(token, name);
    });
  }
  return problems;
}

// A freeze names the services and environments it holds, and is named itself once: the gate's refusals name it.
function freezeProblems(raw: RawConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const services = Object.keys(raw.services);
  const environments = Object.keys(raw.environments);
  const firstNamed = new Map<string, number>();
  raw.freezes.forEach((freeze, i) => {
    const first = firstNamed.get(freeze.name);
    if (first === undefined) firstNamed.set(freeze.name, i);
    else problems.push({ path: ['freezes', i, 'name'], at: 'value', message: `freeze "${freeze.name}" is already freezes[${first}]; a freeze's name is its own` });
    const unknown = (key: 'services' | 'environments', known: string[], under: string) =>
      freeze[key]?.forEach((name, j) => {
        if (known.includes(name)) return;
        const suggestion = suggest(name, known);
        problems.push({ path: ['freezes', i, key, j], at: 'value', message: `unknown ${under} "${name}" (not under ${key})`, expected: known, ...(suggestion ? { suggestion } : {}) });
      });
    unknown('services', services, 'service');
    unknown('environments', environments, 'environment');
    // Both named and none of the services deploys to any of the environments: a freeze that holds nothing.
    const held = freeze.services?.filter((s) => raw.services[s]);
    const envs = freeze.environments?.filter((e) => raw.environments[e]);
    if (held?.length && envs?.length && !held.some((s) => raw.services[s]!.environments.some((e) => envs.includes(e)))) {
      problems.push({ path: ['freezes', i, 'environments'], at: 'value', message: `no service this freeze names deploys to ${envs.join(' or ')}: it holds nothing` });
    }
  });
  return problems;
}

/** Every problem between the parts of a file the schema accepted; none means it may be used. */
export function crossCheck(raw: RawConfig): ConfigProblem[] {
  return [
    ...retentionProblems(raw),
    ...Object.entries(raw.services).flatMap(([name, svc]) => duplicateSourceMetrics(name, svc.sources)),
    ...unknownMetrics(raw),
    ...baselineProblems(raw),
    ...unknownEnvironments(raw),
    ...peopleProblems(raw),
    ...freezeProblems(raw),
  ];
}
