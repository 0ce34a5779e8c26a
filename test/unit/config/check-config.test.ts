import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkConfigText } from '../../../src/config/check-config.ts';

// fixtures/backstop.yaml is a copy of examples/backstop.example.yaml, kept apart so that the lines asserted here stay
// put when the example is reworded. Each test breaks it the way people do, and reads what `config check` says.
const EXAMPLE = readFileSync(new URL('./fixtures/backstop.yaml', import.meta.url), 'utf8');

function broken(...edits: Array<[from: string, to: string]>): string {
  return edits.reduce((text, [from, to]) => {
    expect(text.split(from).length - 1, `"${from}" occurs once in the example`).toBe(1);
    return text.replace(from, to);
  }, EXAMPLE);
}

/** What `config check` prints after the file name: line:column: path: message. */
function check(text: string): string[] {
  const r = checkConfigText(text);
  return r.ok ? [] : r.errors.map((e) => `${e.line}:${e.column}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
}

describe('config check on a real policy file', () => {
  it('accepts the example as it is', () => {
    const r = checkConfigText(EXAMPLE);
    expect(r.ok && Object.keys(r.config.raw.services)).toEqual(['payments']);
  });

  it.each([
    [
      'a misspelt key: did you mean',
      broken(['    expires_after: 15m', '    expire_after: 15m']),
      ['73:5: defaults.approvals.expire_after: unknown key "expire_after"; did you mean "expires_after"?'],
    ],
    [
      'a mistyped executor kind: the kinds, and the nearest',
      broken(['kind: webhook', 'kind: webhok']),
      ['96:15: services.payments.executors.production.kind: unknown kind "webhok"; expected one of command, webhook, github-actions; did you mean "webhook"?'],
    ],
    [
      'a mistyped source kind',
      broken(['    environments: [production, staging]\n', '    environments: [production, staging]\n    sources:\n      - kind: promethues\n        url: http://prometheus:9090\n        queries: { error_rate_per_minute: "sum(rate(errors[1m]))" }\n']),
      ['92:15: services.payments.sources[0].kind: unknown kind "promethues"; expected one of prometheus, http_probe; did you mean "prometheus"?'],
    ],
    [
      'a word for an enum value',
      broken(['threshold: 5000, action: warn }', 'threshold: 5000, action: warning }']),
      ['67:74: defaults.rules[3].action: expected one of observe, warn, propose, auto_with_veto, auto, got "warning"; did you mean "warn"?'],
    ],
    [
      'a role spelt wrong in a list',
      broken(['roles: [approver, override]', 'roles: [aprover, override]']),
      ['17:15: api.tokens.bob.roles[0]: expected one of viewer, deployer, approver, override, admin, automation, got "aprover"; did you mean "approver"?'],
    ],
    [
      'a duration in words',
      broken(['    window: 30s ', '    window: 5 mins ']),
      ['78:13: defaults.verification.window: expected a duration such as 30s, 15m or 1h, got "5 mins"'],
    ],
    ['a number out of range', broken(['body_limit: 65536', 'body_limit: 100']), ['26:15: api.body_limit: expected a number ≥ 1024, got 100']],
    [
      'a missing required key, at the mapping that lacks it',
      broken(['    environments: [production, staging]\n', '']),
      ['89:3: services.payments.environments: missing required key "environments" (a list)'],
    ],
    [
      'a key that lost its indentation: it belongs under its mapping',
      broken(['    executor: { kind: command, argv: ["./examples/rollback-demo.sh"], timeout: 10m }', '    executor:\n      kind: command\n    argv: ["./examples/rollback-demo.sh"]']),
      [
        '93:5: services.payments.executor.argv: missing required key "argv" (a list)',
        '95:5: services.payments.argv: unknown key "argv" here; it belongs under "executor": check its indentation',
      ],
    ],
    [
      'a key indented one level too deep',
      broken(['  constitution:\n    stable_error_rate_per_minute: 1', '    constitution:\n      stable_error_rate_per_minute: 1'], ['    max_sample_age: 10m', '      max_sample_age: 10m']),
      ['74:5: defaults.approvals.constitution: unknown key "constitution" here; it belongs one level up, beside "approvals": check its indentation'],
    ],
    ['a tab in the indentation', broken(['  staging: {}', '\tstaging: {}']), ['86:1: a tab in the indentation: YAML indents with spaces only']],
    ['a key written twice', broken(['  staging: {}', '  staging: {}\n  production: {}']), ['87:3: the key "production" appears twice in one mapping']],
    [
      'an environment the file does not define (checked after the schema)',
      broken(['[production, staging]', '[production, stagin]']),
      ['90:32: services.payments.environments[1]: unknown environment "stagin" (not under environments); did you mean "staging"?'],
    ],
    [
      'a metric nothing reports (checked after the schema)',
      broken(['metric: p95_ms', 'metric: p59_ms']),
      ['67:32: defaults.rules[3].metric: unknown metric "p59_ms" for service payments (known: active_queries, database_connections_pct, error_rate_per_minute, memory_pct, p95_ms, recent_errors); did you mean "p95_ms"?'],
    ],
  ])('%s', (_name, text, expected) => {
    expect(check(text)).toEqual(expected);
  });

  it('lists every error in file order, though zod reports a mapping’s unknown keys after its values', () => {
    const text = broken(['    required: 1 ', '    requried: 1 '], ['expires_after: 15m', 'expires_after: 15 minutes'], ['kind: webhook', 'kind: webhok']);
    expect(check(text).map((l) => l.split(': ')[0])).toEqual(['71:5', '73:20', '96:15']);
  });

  it('gives scripts and editors the value, the choices and the suggestion apart', () => {
    const r = checkConfigText(broken(['kind: webhook', 'kind: webhok']));
    expect(!r.ok && r.errors).toEqual([
      {
        line: 96,
        column: 15,
        path: 'services.payments.executors.production.kind',
        message: 'unknown kind "webhok"; expected one of command, webhook, github-actions; did you mean "webhook"?',
        value: 'webhok',
        expected: ['command', 'webhook', 'github-actions'],
        suggestion: 'webhook',
      },
    ]);
  });
});

describe('config check on a file written from scratch', () => {
  const SERVICE = 'environments: { production: {} }\nservices:\n  payments:\n    environments: [production]\n';

  it.each([
    ['an empty file', '', ['1:1: environments: missing required key "environments" (a mapping)', '1:1: services: missing required key "services" (a mapping)']],
    ['a list where the file is a mapping', '- payments\n', ['1:1: (root): expected a mapping, got a list']],
    ['an executor without its kind', `${SERVICE}    executor: { argv: [./rollback.sh] }\n`, ['5:5: services.payments.executor.kind: missing required key "kind"; expected one of command, webhook, github-actions']],
    ['an executor left empty', `${SERVICE}    executor:\n`, ['5:5: services.payments.executor: expected a mapping, got an empty value']],
    ['an empty argv', `${SERVICE}    executor: { kind: command, argv: [] }\n`, ['5:38: services.payments.executor.argv: expected at least the program to run, got an empty list']],
    ['a name in capitals', SERVICE.replace('{ production', '{ Production') + '    executor: { kind: command, argv: [x] }\n', ['1:17: environments.Production: invalid name "Production": expected a lowercase name of letters, digits, _ or -']],
    [
      'a misspelt top-level key: the typo first, then what it left missing',
      SERVICE.replace('environments: {', 'enviroments: {') + '    executor: { kind: command, argv: [x] }\n',
      ['1:1: enviroments: unknown key "enviroments"; did you mean "environments"?', '1:1: environments: missing required key "environments" (a mapping)'],
    ],
  ])('%s', (_name, text, expected) => {
    expect(check(text)).toEqual(expected);
  });
});

describe('config check never prints what may be a secret', () => {
  it.each([
    ['a secret pasted where its variable name goes', ['secret_env: PAYMENTS_ROLLBACK_SECRET', 'secret_env: s3cr3t-hmac-key'], 's3cr3t', '98:21: services.payments.executors.production.secret_env: expected an environment variable name such as ROLLBACK_SECRET (the value is not shown: it may be a secret)'],
    ['a token value pasted in place of its roles', ['    ci:\n      roles: [deployer]', '    ci: ci-t0ken-value'], 't0ken', '12:9: api.tokens.ci: expected a mapping (the value is not shown: it may be a secret)'],
    ['a webhook URL without its scheme: the host only', ['url: https://deploy.example.com/hooks/rollback', 'url: deploy.example.com/hooks/T000/B000/XXXXsecret'], 'XXXXsecret', '97:14: services.payments.executors.production.url: expected a valid URL, got "deploy.example.com/…"'],
  ] as const)('%s', (_name, edit, secret, line) => {
    const r = checkConfigText(broken([...edit]));
    expect(JSON.stringify(r)).not.toContain(secret);
    expect(check(broken([...edit]))).toEqual([line]);
  });
});
