import { describe, expect, it } from 'vitest';
import { harmonicAttraction } from '../../../src/constitution/harmonic-attraction.ts';
import { inhabitance } from '../../../src/constitution/inhabitance.ts';
import { structuralIntegrity } from '../../../src/constitution/structural-integrity.ts';
import { totalCoherence } from '../../../src/constitution/total-coherence.ts';
import type { Law, LawFacts } from '../../../src/constitution/types.ts';
import { goodFacts, migration, withPlan } from './facts.ts';

type Case = [string, LawFacts, 'pass' | 'warn' | 'fail', RegExp | null];

function table(law: Law, cases: Case[]) {
  it.each(cases)('%s → %s', (_name, facts, verdict, message) => {
    const r = law(facts);
    expect(r.verdict).toBe(verdict);
    const text = [...r.violations, ...r.warnings].join(' | ');
    if (message) expect(text).toMatch(message);
    else expect(text).toBe('');
  });
}

describe('Law of Inhabitance (do no harm)', () => {
  table(inhabitance, [
    ['no migrations', goodFacts(), 'pass', null],
    ['reversible with a script', withPlan({ migrations: [migration('0001_add', 'reversible', true)] }), 'pass', null],
    ['expand without a script', withPlan({ migrations: [migration('0002_col', 'expand', false)] }), 'pass', null],
    ['reversible without a script', withPlan({ migrations: [migration('0003_idx', 'reversible', false)] }), 'fail', /0003_idx has no rollback script/],
    ['destructive, full rollback', withPlan({ migrations: [migration('0004_drop', 'destructive', true)] }), 'fail', /0004_drop is destructive/],
    ['irreversible, full rollback', withPlan({ migrations: [migration('0005_purge', 'irreversible', false)] }), 'fail', /0005_purge is irreversible/],
    ['destructive, code-only rollback', withPlan({ mode: 'code_only', migrations: [migration('0004_drop', 'destructive', false)] }), 'warn', /stays applied/],
    ['snapshot failed', goodFacts({ snapshot: { ok: false, error: 'disk full' } }), 'fail', /pre-rollback snapshot failed: disk full/],
    ['snapshot not yet taken', goodFacts({ snapshot: null }), 'pass', null],
  ]);
});

describe('Law of Harmonic Attraction (return to known-good)', () => {
  const t = goodFacts().targetRow!;
  table(harmonicAttraction, [
    ['earlier, healthy, successful target', goodFacts(), 'pass', null],
    ['no target', goodFacts({ plan: { ...goodFacts().plan, target: null }, targetRow: null }), 'fail', /^No valid rollback target found: no earlier deployment of /],
    ['quarantined target', goodFacts({ targetRow: { ...t, quarantined: true } }), 'fail', /quarantined/],
    ['failed target', goodFacts({ targetRow: { ...t, status: 'failed' } }), 'fail', /status failed, not success/],
    ['target never health-checked', withPlan({ target: { ...goodFacts().plan.target!, health_check_passed: false } }), 'fail', /never passed its health check/],
    ['target from another service', goodFacts({ targetRow: { ...t, service: 'search' } }), 'fail', /belongs to search\/production/],
    ['target not earlier', goodFacts({ targetRow: { ...t, deployed_at: '2026-11-22T15:00:00.000Z' } }), 'fail', /not earlier/],
  ]);
});

describe('Law of Total Coherence (reduce entropy)', () => {
  const rate = (r: number | null, triggerType: LawFacts['triggerType']) => goodFacts({ triggerType, entropy: { errorRatePerMinute: r, observedAt: null } });
  table(totalCoherence, [
    ['automatic, error rate high', rate(8.5, 'automatic'), 'pass', null],
    ['automatic, exactly at the threshold', rate(1, 'automatic'), 'pass', null],
    ['automatic, already stable', rate(0.4, 'automatic'), 'fail', /already stable: error rate 0.4\/min is below 1\/min/],
    ['manual, already stable', rate(0.4, 'manual'), 'warn', /manual rollback allowed/],
    ['alert, already stable', rate(0, 'alert'), 'warn', /manual rollback allowed/],
    ['automatic, no data', rate(null, 'automatic'), 'warn', /entropy unknown/],
    ['manual, no data', rate(null, 'manual'), 'warn', /entropy unknown/],
  ]);
});

describe('Law of Structural Integrity (a consistent state)', () => {
  const inFlight = (o: Partial<LawFacts['inFlight']>) => goodFacts({ inFlight: { ...goodFacts().inFlight, ...o } });
  table(structuralIntegrity, [
    ['nothing in flight, no probe', goodFacts(), 'pass', null],
    ['probe reports zero', goodFacts({ consistency: { kind: 'ok', inconsistencies: 0 } }), 'pass', null],
    ['probe reports inconsistencies', goodFacts({ consistency: { kind: 'ok', inconsistencies: 3 } }), 'fail', /reports 3 inconsistencies/],
    ['probe cannot answer', goodFacts({ consistency: { kind: 'error', message: 'timed out' } }), 'fail', /consistency probe failed: timed out/],
    ['another rollback in flight', inFlight({ otherRollbacks: ['e-1'] }), 'fail', /another rollback is in flight: e-1/],
    ['a newer deploy in progress', inFlight({ deploymentsInProgress: [{ deployment_id: 'd-9', version: 'v2.6.0' }] }), 'fail', /still in progress: v2.6.0/],
  ]);
});
