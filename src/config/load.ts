import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { formatDuration } from './duration.ts';
import { formatIssues, type FieldError } from './format-issues.ts';
import {
  ConfigSchema,
  DAY_MS,
  type ApprovalPolicy,
  type ConstitutionPolicy,
  type ExecutorConfig,
  type RawConfig,
  type VerificationPolicy,
} from './schema.ts';
import { DEFAULT_RULES, PUSHED_METRICS, RuleSchema, type Rule, type SourceConfig } from './monitoring-schema.ts';

export interface ResolvedRule extends Rule {
  /** Where the rule was written, for errors and explanations ("defaults.rules[0]", "builtin"). */
  origin: string;
}

export interface ResolvedPolicy {
  service: string;
  environment: string;
  rules: ResolvedRule[];
  sources: SourceConfig[];
  approvals: ApprovalPolicy;
  constitution: ConstitutionPolicy;
  verification: VerificationPolicy;
  executor: ExecutorConfig;
}

export interface Config {
  raw: RawConfig;
  // Changes whenever the parts that decide a rollback change; approvals are bound to it through the plan hash.
  policyVersion: string;
  /** The policy for one service in one environment, or undefined when that pair is not configured. */
  resolve(service: string, environment: string): ResolvedPolicy | undefined;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: FieldError[] };

const BUILTIN_APPROVALS: ApprovalPolicy = { required: 1, requester_counts: true, expires_after: 15 * 60_000 };
const BUILTIN_CONSTITUTION: ConstitutionPolicy = { stable_error_rate_per_minute: 1, max_sample_age: 10 * 60_000 };
const BUILTIN_VERIFICATION: VerificationPolicy = {
  window: 120_000,
  interval: 10_000,
  on_no_data: 'fail',
  probe_timeout: 5_000,
};

const defined = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    // Keys holding undefined are dropped, exactly as JSON (and Postgres jsonb) drop them.
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
export const canonicalHash = (value: unknown) => sha256(canonical(value));

const BUILTIN_RULES: ResolvedRule[] = DEFAULT_RULES.map((r) => ({ ...RuleSchema.parse(r), origin: 'builtin' }));

/** Defaults (or the builtin table), then the environment's, then the service's: a later rule replaces one of its name. */
function resolveRules(raw: RawConfig, service: string, environment: string): ResolvedRule[] {
  const byName = new Map<string, ResolvedRule>();
  const layers: Array<[Rule[] | undefined, string]> = [
    [raw.defaults.rules, 'defaults.rules'],
    [raw.environments[environment]?.rules, `environments.${environment}.rules`],
    [raw.services[service]?.rules, `services.${service}.rules`],
  ];
  if (!raw.defaults.rules) for (const r of BUILTIN_RULES) byName.set(r.name, r);
  for (const [rules, path] of layers) rules?.forEach((r, i) => byName.set(r.name, { ...r, origin: `${path}[${i}]` }));
  return [...byName.values()];
}

/** Each metric a source reports, with the path under the source that names it (every probe reports probe_up). */
export function sourceMetrics(s: SourceConfig): Array<[metric: string, path: string]> {
  if (s.kind === 'prometheus') return Object.keys(s.queries).map((m) => [m, `.queries.${m}`]);
  return [['probe_up', ''], ...Object.keys(s.values).map((m): [string, string] => [m, `.values.${m}`])];
}

/** Metrics a service can observe: what pushed samples carry, plus what its sources name. */
export function knownMetrics(sources: SourceConfig[]): Set<string> {
  const known = new Set<string>(PUSHED_METRICS);
  for (const s of sources) for (const [m] of sourceMetrics(s)) known.add(m);
  return known;
}

// Readings are keyed by metric, so a second source of the same name would silently replace the first one's value.
function duplicateSourceMetrics(service: string, sources: SourceConfig[]): FieldError[] {
  const errors: FieldError[] = [];
  const firstSource = new Map<string, number>();
  sources.forEach((s, i) => {
    for (const [metric, path] of sourceMetrics(s)) {
      const first = firstSource.get(metric);
      if (first === undefined) firstSource.set(metric, i);
      else {
        const by = first === i ? `this probe (every http_probe reports ${metric})` : `sources[${first}]`;
        errors.push({ path: `services.${service}.sources[${i}]${path}`, message: `${metric} is already reported by ${by}; a metric has one source` });
      }
    }
  });
  return errors;
}

// A finished rollback is rechecked once: findRollbacksDueRecheck looks for its recheck decision until a day past
// recheck_after, so a decision expired sooner would have it rechecked (and on-call paged) a second time.
function retentionErrors(raw: RawConfig): FieldError[] {
  const recheck = raw.monitoring.recheck_after;
  if (raw.retention.health_decisions > DAY_MS + recheck) return [];
  return [{ path: 'retention.health_decisions', message: `expected more than 1d plus monitoring.recheck_after (${formatDuration(recheck)}): a rollback's recheck decision must outlive the day it is looked for` }];
}

function crossCheck(raw: RawConfig): FieldError[] {
  const errors: FieldError[] = [];
  errors.push(...retentionErrors(raw));
  for (const [name, svc] of Object.entries(raw.services)) errors.push(...duplicateSourceMetrics(name, svc.sources));
  const reported = new Set<string>();
  for (const [name, svc] of Object.entries(raw.services)) {
    const known = knownMetrics(svc.sources);
    for (const env of svc.environments) {
      if (!raw.environments[env]) continue;
      for (const rule of resolveRules(raw, name, env)) {
        for (const [metric, field] of [[rule.metric, 'metric'], ...(rule.min_traffic ? [[rule.min_traffic.metric, 'min_traffic.metric']] : [])] as Array<[string, string]>) {
          const key = `${rule.origin}.${field}`;
          if (known.has(metric) || reported.has(key)) continue;
          reported.add(key);
          errors.push({ path: key, message: `unknown metric "${metric}" for service ${name} (known: ${[...known].sort().join(', ')})` });
        }
      }
    }
  }
  for (const [name, svc] of Object.entries(raw.services)) {
    svc.environments.forEach((env, i) => {
      if (!raw.environments[env]) {
        errors.push({ path: `services.${name}.environments[${i}]`, message: `unknown environment "${env}" (not under environments)` });
      }
    });
    for (const env of Object.keys(svc.executors ?? {})) {
      if (!svc.environments.includes(env)) {
        errors.push({ path: `services.${name}.executors.${env}`, message: `"${env}" is not one of this service's environments` });
      }
    }
  }
  return errors;
}

export function buildConfig(raw: RawConfig): Config {
  const policyVersion =
    raw.policy_version ?? canonicalHash({ d: raw.defaults, e: raw.environments, s: raw.services }).slice(0, 12);
  return {
    raw,
    policyVersion,
    resolve(service, environment) {
      const svc = raw.services[service];
      const env = raw.environments[environment];
      if (!svc || !env || !svc.environments.includes(environment)) return undefined;
      const builtinApprovals = environment === 'production' ? { ...BUILTIN_APPROVALS, required: 2 } : BUILTIN_APPROVALS;
      return {
        service,
        environment,
        rules: resolveRules(raw, service, environment),
        sources: svc.sources,
        approvals: { ...builtinApprovals, ...defined(raw.defaults.approvals), ...defined(env.approvals) },
        constitution: {
          ...BUILTIN_CONSTITUTION,
          ...defined(raw.defaults.constitution),
          ...defined(env.constitution),
          ...defined(svc.constitution),
        },
        verification: {
          ...BUILTIN_VERIFICATION,
          ...defined(raw.defaults.verification),
          ...defined(env.verification),
          ...defined(svc.verification),
        },
        executor: svc.executors?.[environment] ?? svc.executor,
      };
    },
  };
}

// Parses YAML text into a Config, collecting every problem with its path instead of stopping at the first.
export function parseConfig(text: string): ConfigResult {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    };
  }
  const parsed = ConfigSchema.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error) };
  const cross = crossCheck(parsed.data);
  if (cross.length > 0) return { ok: false, errors: cross };
  return { ok: true, config: buildConfig(parsed.data) };
}

export async function loadConfig(path: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, errors: [{ path, message: code === 'ENOENT' ? 'file not found' : `cannot read (${code})` }] };
  }
  return parseConfig(text);
}
