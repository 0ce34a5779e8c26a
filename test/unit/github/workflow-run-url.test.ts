import { describe, expect, it } from 'vitest';
import { workflowRunUrl } from '../../../src/github/workflow-run-url.ts';

const PATH = '/repos/acme/payments/actions/runs/9100000001/deployment_protection_rule';
const RUN = '/acme/payments/actions/runs/9100000001';

describe('workflowRunUrl', () => {
  it.each([
    ['github.com', `https://api.github.com${PATH}`, `https://github.com${RUN}`],
    ['GitHub Enterprise Server', `https://ghe.example.com/api/v3${PATH}`, `https://ghe.example.com${RUN}`],
    ['GitHub Enterprise Server on a port', `https://ghe.example.com:8443/api/v3${PATH}`, `https://ghe.example.com:8443${RUN}`],
    ['GitHub Enterprise Cloud with data residency', `https://api.octocorp.ghe.com${PATH}`, `https://octocorp.ghe.com${RUN}`],
    ['a repository name with dots and underscores', 'https://api.github.com/repos/acme/pay.ments_v2/actions/runs/7/deployment_protection_rule', 'https://github.com/acme/pay.ments_v2/actions/runs/7'],
  ])('links %s', (_what, callback, run) => {
    expect(workflowRunUrl(callback)).toBe(run);
  });

  it.each([
    ['not a URL', 'not a url'],
    ['an API at the root of an unknown host', `https://github-proxy.example${PATH}`],
    ['another endpoint', 'https://api.github.com/repos/acme/payments/actions/runs/1/approve'],
    ['dot segments', `https://api.github.com/repos/acme/payments/actions/runs/1/deployment_protection_rule/../x`],
    ['an escaped slash', 'https://api.github.com/repos/acme%2Fother/payments/actions/runs/1/deployment_protection_rule'],
    ['a query', `https://api.github.com${PATH}?x=1`],
    ['credentials', `https://u:p@api.github.com${PATH}`],
    ['another scheme', `javascript://api.github.com${PATH}`],
  ])('gives no link for %s', (_what, callback) => {
    expect(workflowRunUrl(callback)).toBeNull();
  });
});
