import { parseEnv, tokenEnvName, type Env } from './env.ts';
import { checkConfigText, type ConfigCheck, type ConfigDiagnostic } from '../config/check-config.ts';
import { readConfigFile } from '../config/load.ts';
import type { FieldError } from '../config/format-issues.ts';
import { readGithubAppSecrets } from '../freeze/github-gate-deps.ts';

// `backstop config check`: the policy file and the environment. Errors go one a line as file:line:column, the form
// compilers print and editors jump to, so a person (or an editor's problem matcher) lands on the spot. Loaded only when it runs.

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

// A file that cannot be read has no line to point at: its one error carries no line and column.
type FileError = Omit<ConfigDiagnostic, 'line' | 'column'> & Partial<Pick<ConfigDiagnostic, 'line' | 'column'>>;

interface Outcome {
  file: string;
  errors: FileError[];
  environmentErrors: FieldError[];
  check?: Extract<ConfigCheck, { ok: true }>;
  env?: Env;
}

const problemOf = (read: { ok: true } | { ok: false; problem: string }) => (read.ok ? null : read.problem);

function summaryOf({ check, env }: Outcome) {
  if (!check) return undefined;
  const raw = check.config.raw;
  const tokens = Object.keys(raw.api.tokens);
  return {
    policy_version: check.config.policyVersion,
    services: Object.keys(raw.services).length,
    environments: Object.keys(raw.environments).length,
    api_tokens: tokens.length,
    // Without the environment nothing can be said about token values, so none is listed as missing.
    tokens_without_value: env ? tokens.filter((t) => !env.secret(tokenEnvName(t))) : [],
    // The App's key and webhook secret, as startup checks them (present, a readable RSA key): a role refuses to start
    // without them, so the check says so first. Unknown without the environment.
    github_app_problem: env && raw.github_app ? problemOf(readGithubAppSecrets(raw.github_app, env.secret)) : null,
  };
}

function printHuman(outcome: Outcome): void {
  for (const e of outcome.environmentErrors) console.error(`environment ${e.path}: ${e.message}`);
  for (const e of outcome.errors) {
    const where = e.line === undefined ? outcome.file : `${outcome.file}:${e.line}:${e.column}`;
    console.error(`${where}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
  }
  if (outcome.errors.length > 0) console.error(`${plural(outcome.errors.length, 'error')} in ${outcome.file}`);
  const summary = summaryOf(outcome);
  if (!summary) return;
  console.log(
    `${outcome.file}: OK (policy ${summary.policy_version}; ${plural(summary.services, 'service')}, ${plural(summary.environments, 'environment')}, ${plural(summary.api_tokens, 'API token')})`,
  );
  for (const t of summary.tokens_without_value) console.log(`  note: token "${t}" has no value (set ${tokenEnvName(t)}); it cannot be used`);
  if (summary.github_app_problem) console.log(`  note: ${summary.github_app_problem}: backstop will not start with this environment`);
}

function printJson(outcome: Outcome): void {
  const summary = summaryOf(outcome);
  const report = {
    ok: outcome.errors.length === 0 && outcome.environmentErrors.length === 0,
    file: outcome.file,
    errors: outcome.errors,
    ...(outcome.environmentErrors.length > 0 ? { environment_errors: outcome.environmentErrors.map((e) => ({ name: e.path, message: e.message })) } : {}),
    ...(summary ? { summary } : {}),
  };
  console.log(JSON.stringify(report, null, 2));
}

export async function checkConfig(file: string | undefined, opts: { json?: boolean } = {}): Promise<void> {
  const env = parseEnv(process.env);
  const path = file ?? (env.ok ? env.env.BACKSTOP_CONFIG : 'backstop.yaml');
  const read = await readConfigFile(path);
  const check = read.ok ? checkConfigText(read.text) : undefined;
  const outcome: Outcome = {
    file: path,
    errors: read.ok ? (check?.ok === false ? check.errors : []) : [{ path: '', message: read.message }],
    environmentErrors: env.ok ? [] : env.errors,
    ...(check?.ok ? { check } : {}),
    ...(env.ok ? { env: env.env } : {}),
  };
  (opts.json ? printJson : printHuman)(outcome);
  process.exitCode = outcome.errors.length > 0 || outcome.environmentErrors.length > 0 ? 1 : 0;
}
