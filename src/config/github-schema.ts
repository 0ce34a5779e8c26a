import { z } from 'zod';

const EnvVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name such as GITHUB_APP_PRIVATE_KEY');
const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a lowercase name of letters, digits, _ or -');

// backstop as a GitHub App's custom deployment protection rule (docs/github-actions.md): GitHub asks before every job
// that deploys to a protected environment, and backstop answers with the gate's verdict. Secrets stay in the
// environment; the policy file names the variables.
export const GithubAppSchema = z.strictObject({
  app_id: z.union([z.number().int().positive(), z.string().regex(/^(\d+|Iv[0-9A-Za-z.]+)$/, 'expected the App id (digits) or its client id (Iv…)')]),
  // GitHub Enterprise Server: https://ghe.example.com/api/v3. Callback URLs elsewhere are refused: the App's token goes nowhere else.
  api_url: z.url({ protocol: /^https?$/ }).default('https://api.github.com'),
  private_key_env: EnvVarName,
  webhook_secret_env: EnvVarName,
});
export type GithubAppConfig = z.infer<typeof GithubAppSchema>;

// Which backstop service a repository deploys, and which backstop environment each GitHub environment is. Without
// `environments`, a GitHub environment maps to the backstop environment of the same name.
export const ServiceGithubSchema = z.strictObject({
  repository: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/, 'expected owner/repository, such as acme/payments'),
  environments: z.record(z.string().min(1).max(255), Name).optional(),
});
