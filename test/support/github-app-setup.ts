import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';

// backstop set up as a GitHub App the way a user sets it up: github_app in the policy file, the App's private key and
// webhook secret in the environment. The key pair is made once per test process.

export const GITHUB_APP_ID = 424_242;
export const GITHUB_INSTALLATION = 99;
export const GITHUB_WEBHOOK_SECRET = 'whsec-protection-rule-test';
export const githubAppKeys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });

/** The environment the policy's github_app names. Keys kept in a variable often have their line breaks escaped. */
export const GITHUB_APP_ENV = { GITHUB_APP_PRIVATE_KEY: githubAppKeys.privateKey.replace(/\n/g, '\\n'), GITHUB_WEBHOOK_SECRET };

/** The policy file's github_app section, appended at the top level. */
export const githubAppPolicy = (apiUrl: string) => `github_app:
  app_id: ${GITHUB_APP_ID}
  api_url: ${apiUrl}
  private_key_env: GITHUB_APP_PRIVATE_KEY
  webhook_secret_env: GITHUB_WEBHOOK_SECRET
`;

/** Headers GitHub sends with a delivery of `body`, signed with the test webhook secret. */
export const signedHeaders = (event: string, body: string): Record<string, string> => ({
  'x-github-event': event,
  'x-github-delivery': randomUUID(),
  'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_WEBHOOK_SECRET).update(body).digest('hex')}`,
  'content-type': 'application/json',
});
