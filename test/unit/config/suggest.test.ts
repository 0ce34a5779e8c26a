import { describe, expect, it } from 'vitest';
import { suggest } from '../../../src/config/suggest.ts';

describe('suggest', () => {
  it.each([
    ['a dropped letter', 'aproval_timeout', ['approval_timeout', 'required'], 'approval_timeout'],
    ['two letters swapped', 'promethues', ['prometheus', 'http_probe'], 'prometheus'],
    ['another case', 'Production', ['production', 'staging'], 'production'],
    ['a word cut short', 'http', ['prometheus', 'http_probe'], 'http_probe'],
    ['a word run on', 'warning', ['observe', 'warn', 'propose', 'auto_with_veto', 'auto'], 'warn'],
    ['nothing close', 'shell', ['command', 'webhook', 'github-actions'], undefined],
    ['a short word far from every candidate', 'qa', ['production', 'staging'], undefined],
    ['a prefix of two candidates', 'prom', ['prometheus', 'promql'], undefined],
    ['no candidates', 'kind', [], undefined],
  ])('%s: %s → %s', (_name, word, candidates, expected) => {
    expect(suggest(word, candidates)).toBe(expected);
  });
});
