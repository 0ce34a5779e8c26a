import { describe, expect, it } from 'vitest';
import { showValue } from '../../../src/config/shown-value.ts';

describe('showValue', () => {
  it.each([
    ['a word', ['defaults', 'verification', 'window'], '5 mins', { text: '"5 mins"', value: '5 mins' }],
    ['a number', ['api', 'body_limit'], 100, { text: '100', value: 100 }],
    ['an empty value', ['services', 'payments', 'executor'], null, { text: 'an empty value', value: null }],
    ['a list, by its kind', ['services', 'payments', 'executor'], ['a'], { text: 'a list' }],
    ['an empty mapping', ['environments'], {}, { text: 'an empty mapping' }],
    ['a long value, shortened', ['services', 'payments', 'executor', 'cwd'], 'x'.repeat(80), { text: `"${'x'.repeat(59)}…"`, value: `${'x'.repeat(59)}…` }],
    ['a URL, up to its host', ['services', 'payments', 'executor', 'url'], 'https://hooks.example.com/services/T0/B0/secret', { text: '"https://hooks.example.com/…"', value: 'https://hooks.example.com/…' }],
    ['a URL without a scheme', ['verification', 'probe_url'], 'hooks.example.com/services/secret', { text: '"hooks.example.com/…"', value: 'hooks.example.com/…' }],
    ['a URL with a password, anywhere', ['constitution', 'consistency_probe', 'query'], 'postgres://app:hunter2@db/app', { text: '"postgres://db/…"', value: 'postgres://db/…' }],
    ['a secret variable name', ['executor', 'secret_env'], 'hunter2', { text: 'a string', hidden: true }],
    ['a token entry', ['api', 'tokens', 'ci'], 'hunter2', { text: 'a string', hidden: true }],
    ['a password', ['database', 'password'], 12345, { text: 'a number', hidden: true }],
  ])('%s', (_name, path, value, shown) => {
    expect(showValue(path, value)).toEqual(shown);
  });

  it('shows a role under a token, which is not a secret', () => {
    expect(showValue(['api', 'tokens', 'ci', 'roles', 0], 'aprover')).toEqual({ text: '"aprover"', value: 'aprover' });
  });
});
