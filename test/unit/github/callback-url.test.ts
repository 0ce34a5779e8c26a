import { describe, expect, it } from 'vitest';
import { checkCallbackUrl } from '../../../src/github/callback-url.ts';

const GITHUB = 'https://api.github.com';
const GHES = 'https://ghe.example.com/api/v3';
const PATH = '/repos/acme/payments/actions/runs/9100000001/deployment_protection_rule';

describe('checkCallbackUrl', () => {
  it.each([
    ['github.com', GITHUB, `${GITHUB}${PATH}`, 'acme/payments'],
    ['an API base with a trailing slash', `${GITHUB}/`, `${GITHUB}${PATH}`, 'acme/payments'],
    ['GitHub Enterprise Server', GHES, `${GHES}${PATH}`, 'acme/payments'],
    ['a repository named in another case', GITHUB, `${GITHUB}${PATH}`, 'Acme/Payments'],
    ['the default port spelled out', GITHUB, `https://api.github.com:443${PATH}`, 'acme/payments'],
  ])('accepts %s', (_what, api, url, repository) => {
    expect(checkCallbackUrl(api, url, repository)).toEqual({
      ok: true,
      target: { owner: 'acme', repo: 'payments', runId: 9_100_000_001, url: `${api.replace(/\/$/, '')}${PATH}` },
    });
  });

  it.each([
    ['another host', GITHUB, `https://evil.example${PATH}`, 'not on the configured GitHub API https://api.github.com'],
    ['a host that starts like the API', GITHUB, `https://api.github.com.evil.example${PATH}`, 'not on the configured GitHub API'],
    ['http instead of https', GITHUB, `http://api.github.com${PATH}`, 'not on the configured GitHub API'],
    ['another port', GITHUB, `https://api.github.com:8443${PATH}`, 'not on the configured GitHub API'],
    ['credentials in the URL', GITHUB, `https://user:pw@api.github.com${PATH}`, 'carries credentials'],
    ['a query', GITHUB, `${GITHUB}${PATH}?x=1`, 'query or fragment'],
    ['outside the GHES API prefix', GHES, `https://ghe.example.com${PATH}`, 'not under https://ghe.example.com/api/v3'],
    ['another endpoint', GITHUB, `${GITHUB}/repos/acme/payments/actions/runs/9100000001/approve`, 'is not /repos/{owner}/{repo}'],
    ['dot segments leading elsewhere', GITHUB, `${GITHUB}/repos/acme/payments/actions/runs/1/deployment_protection_rule/../../../../../../user`, 'is not /repos/{owner}/{repo}'],
    ['an escaped slash in the owner', GITHUB, `${GITHUB}/repos/acme%2Fother/payments/actions/runs/1/deployment_protection_rule`, 'is not /repos/{owner}/{repo}'],
    ['a run id that is not a number', GITHUB, `${GITHUB}/repos/acme/payments/actions/runs/abc/deployment_protection_rule`, 'is not /repos/{owner}/{repo}'],
    ['run id 0', GITHUB, `${GITHUB}/repos/acme/payments/actions/runs/0/deployment_protection_rule`, 'not a workflow run id'],
    ['another repository of the owner', GITHUB, `${GITHUB}/repos/acme/ledger/actions/runs/1/deployment_protection_rule`, "for acme/ledger, not the event's repository acme/payments"],
    ['another owner', GITHUB, `${GITHUB}/repos/mallory/payments/actions/runs/1/deployment_protection_rule`, "not the event's repository"],
    ['not a URL', GITHUB, 'not a url', 'is not a URL'],
  ])('refuses %s', (_what, api, url, problem) => {
    const checked = checkCallbackUrl(api, url, 'acme/payments');
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problem).toContain(problem);
  });
});
