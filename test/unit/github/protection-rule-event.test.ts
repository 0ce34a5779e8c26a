import { describe, expect, it } from 'vitest';
import { parseProtectionRuleEvent } from '../../../src/github/protection-rule-event.ts';
import { protectionRuleEventPayload } from '../../support/fake-github.ts';

const SHA = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
const delivery = { repository: 'acme/payments', environment: 'production', runId: 9_100_000_001, sha: SHA, ref: 'main', installationId: 4242 };
const payload = (overrides: Record<string, unknown> = {}) => protectionRuleEventPayload('https://api.github.com', { ...delivery, overrides });
const parse = (value: unknown) => parseProtectionRuleEvent(typeof value === 'string' ? value : JSON.stringify(value));

describe('parseProtectionRuleEvent', () => {
  it('reads the fields backstop uses from a real-shaped event, and keeps the rest', () => {
    const parsed = parse(payload());
    expect(parsed).toMatchObject({
      ok: true,
      event: {
        action: 'requested',
        environment: 'production',
        event: 'push',
        sha: SHA,
        ref: 'main',
        deployment_callback_url: 'https://api.github.com/repos/acme/payments/actions/runs/9100000001/deployment_protection_rule',
        deployment: { id: 1_145_289_453, environment: 'production', task: 'deploy' },
        repository: { full_name: 'acme/payments', default_branch: 'main' },
        installation: { id: 4242 },
        sender: { login: 'octocat' },
      },
    });
  });

  it('reads the raw bytes as well as a string', () => {
    expect(parseProtectionRuleEvent(new TextEncoder().encode(JSON.stringify(payload()))).ok).toBe(true);
  });

  it('takes the commit and ref from the deployment when the top level lacks them', () => {
    const parsed = parse(payload({ sha: undefined, ref: undefined }));
    expect(parsed).toMatchObject({ ok: true, event: { sha: SHA, ref: 'main' } });
  });

  it.each([
    ['not JSON', '{"action":', 'not valid JSON'],
    ['no installation', payload({ installation: undefined }), 'installation: required'],
    ['an installation id of 0', payload({ installation: { id: 0 } }), 'installation.id: expected a number > 0'],
    ['no callback URL', payload({ deployment_callback_url: undefined }), 'deployment_callback_url: required'],
    ['a callback URL that is not http(s)', payload({ deployment_callback_url: 'file:///etc/passwd' }), 'deployment_callback_url'],
    ['an empty environment', payload({ environment: '' }), 'environment: must not be empty'],
    ['a repository without owner', payload({ repository: { full_name: 'payments' } }), 'repository.full_name: expected "owner/name"'],
    ['a malformed sha', payload({ sha: 'abc' }), 'sha: expected a commit SHA'],
    ['no commit anywhere', payload({ sha: undefined, deployment: { id: 1 } }), 'names no commit sha'],
    ['an array', [], '(root): expected an object'],
  ])('refuses %s, saying why', (_what, body, problem) => {
    const parsed = parse(body);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.kind).toBe('invalid');
    expect(parsed.problem).toContain(problem);
  });

  it('tells an action it does not handle apart from a malformed event', () => {
    expect(parse(payload({ action: 'completed' }))).toEqual({ ok: false, kind: 'unsupported', problem: 'deployment_protection_rule action "completed" is not handled (only "requested")' });
  });
});
