import { parseEnv } from './env.ts';
import { loadConfig } from '../config/load.ts';

// `backstop config check`: the policy file and the environment, every error with its path. Loaded only when it runs.
export async function checkConfig(file?: string): Promise<void> {
  const env = parseEnv(process.env);
  const path = file ?? (env.ok ? env.env.BACKSTOP_CONFIG : 'backstop.yaml');
  const result = await loadConfig(path);
  let failed = false;
  if (!env.ok) {
    failed = true;
    for (const e of env.errors) console.error(`environment ${e.path}: ${e.message}`);
  }
  if (!result.ok) {
    failed = true;
    console.error(`${path}: ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}`);
    for (const e of result.errors) console.error(`  ${e.path}: ${e.message}`);
  } else {
    const raw = result.config.raw;
    const missing = env.ok ? Object.keys(raw.api.tokens).filter((t) => !env.env.tokens[t.toUpperCase().replace(/-/g, '_')]) : [];
    console.log(`${path}: OK (policy ${result.config.policyVersion}; ${Object.keys(raw.services).length} services, ${Object.keys(raw.environments).length} environments, ${Object.keys(raw.api.tokens).length} API tokens)`);
    for (const t of missing) console.log(`  note: token "${t}" has no value (set BACKSTOP_TOKEN_${t.toUpperCase().replace(/-/g, '_')}); it cannot be used`);
  }
  process.exitCode = failed ? 1 : 0;
}
