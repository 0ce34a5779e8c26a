import type { KeyObject } from 'node:crypto';
import type { Config } from '../config/load.ts';
import type { GithubAppConfig } from '../config/github-schema.ts';
import type { Logger } from '../logging/logger.ts';
import { createProtectionRuleAnswerer } from '../github/answer-protection-rule.ts';
import { loadAppPrivateKey } from '../github/app-jwt.ts';
import { createInstallationTokens } from '../github/installation-token.ts';
import type { GithubGate } from './github-protection.ts';

export type GithubGateBuild = { ok: true; gate: GithubGate | undefined } | { ok: false; problem: string };

type Secret = (name: string) => string | undefined;
type AppSecrets = { ok: true; key: KeyObject; webhookSecret: string } | { ok: false; problem: string };

/**
 * The secrets github_app names, read and checked: a missing one, or a key that is not an RSA PEM, is named with its
 * variable. Startup refuses on it and `config check` notes it, from this one reading.
 */
export function readGithubAppSecrets(app: GithubAppConfig, secret: Secret): AppSecrets {
  const pem = secret(app.private_key_env);
  if (!pem) return { ok: false, problem: `github_app.private_key_env: ${app.private_key_env} is not set (the App's private key, PEM)` };
  const key = loadAppPrivateKey(pem);
  if (!key.ok) return { ok: false, problem: `github_app.private_key_env: ${app.private_key_env}: ${key.problem}` };
  const webhookSecret = secret(app.webhook_secret_env);
  if (!webhookSecret) return { ok: false, problem: `github_app.webhook_secret_env: ${app.webhook_secret_env} is not set (the App's webhook secret)` };
  return { ok: true, key: key.key, webhookSecret };
}

/**
 * The GitHub App's side of the gate, from the policy file's github_app and the secrets it names. A missing or broken
 * secret is a startup problem, named with its variable, never a webhook that later refuses every delivery.
 */
export function createGithubGate(
  config: Config,
  secret: Secret,
  io: { fetch: typeof fetch; clock(): Date; sleep(ms: number): Promise<void>; logger: Logger },
): GithubGateBuild {
  const app = config.raw.github_app;
  if (!app) return { ok: true, gate: undefined };
  const read = readGithubAppSecrets(app, secret);
  if (!read.ok) return read;
  const { key, webhookSecret } = read;
  // A short timeout for the token too: the webhook's quick answer asks for one inside GitHub's 10 s.
  const tokens = createInstallationTokens({ appId: app.app_id, privateKey: key, apiUrl: app.api_url }, { ...io, requestTimeoutMs: 4_000 });
  return {
    ok: true,
    gate: {
      webhookSecret,
      answer: createProtectionRuleAnswerer({ apiUrl: app.api_url }, { ...io, tokens }),
      answerQuickly: createProtectionRuleAnswerer({ apiUrl: app.api_url, attempts: 1, requestTimeoutMs: 4_000, maxRateLimitWaitMs: 0 }, { ...io, tokens }),
    },
  };
}
