import { canonicalHash } from '../core/canonical-hash.ts';
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { formatIssues, pathOf, type FieldError } from './format-issues.ts';
import type { ApprovalPolicy, ConstitutionPolicy, ExecutorConfig, RawConfig, VerificationPolicy } from './schema.ts';
import type { Rule, SourceConfig } from './monitoring-schema.ts';
import { placeRules } from './resolve-rules.ts';
import { validateConfig } from './validate-config.ts';

// The monitor reads a source's metrics through the loader, as it reads the rest of the policy.
export { sourceMetrics } from './resolve-rules.ts';

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


const resolveRules = (raw: RawConfig, service: string, environment: string): ResolvedRule[] =>
  placeRules(raw, service, environment).map(({ rule, at }) => ({ ...rule, origin: at.length > 0 ? pathOf(at) : 'builtin' }));

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
  const validated = validateConfig(parseDocument(text, { prettyErrors: true }));
  if (validated.ok) return { ok: true, config: buildConfig(validated.raw) };
  if (validated.stage === 'yaml') {
    return {
      ok: false,
      errors: validated.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    };
  }
  if (validated.stage === 'schema') return { ok: false, errors: formatIssues(validated.error) };
  return { ok: false, errors: validated.problems.map((p) => ({ path: pathOf(p.path), message: p.message })) };
}

type ReadResult = { ok: true; text: string } | { ok: false; message: string };

export async function readConfigFile(path: string): Promise<ReadResult> {
  try {
    return { ok: true, text: await readFile(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, message: code === 'ENOENT' ? 'file not found' : `cannot read (${code})` };
  }
}

export async function loadConfig(path: string): Promise<ConfigResult> {
  const read = await readConfigFile(path);
  return read.ok ? parseConfig(read.text) : { ok: false, errors: [{ path, message: read.message }] };
}
