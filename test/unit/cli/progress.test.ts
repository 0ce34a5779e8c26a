import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { describeChanges, type Progress } from '../../../src/cli/progress.ts';
import type { StepEntry } from '../../../src/pipeline/ledger.ts';

// --wait prints what changed between two polls of the rollback's row, in the order it happened.
const plain = pc.createColors(false);
const at = (s: number) => new Date(Date.UTC(2026, 4, 2, 14, 0, s)).toISOString();
const step = (name: StepEntry['step'], status: StepEntry['status'], from: number, to?: number, detail?: Record<string, unknown>): StepEntry => ({
  step: name,
  status,
  attempt: 1,
  started_at: at(from),
  ...(to === undefined ? {} : { finished_at: at(to), duration_ms: (to - from) * 1000 }),
  ...(detail ? { detail } : {}),
});
const progress = (status: Progress['status'], steps: StepEntry[] = [], approvedBy: string[] = ['dana'], need = 2, statusReason: string | null = null): Progress => ({
  status,
  statusReason,
  steps,
  approval: { have: approvedBy.length, need, approvedBy, missing: approvedBy.length < need ? `waiting for ${need - approvedBy.length} more approver` : '' },
});

describe('describeChanges', () => {
  const cases: Array<[string, Progress | null, Progress, string[]]> = [
    ['the first poll of a pending rollback says who is missing', null, progress('awaiting_approval'), ['awaiting_approval: 1 of 2 (dana); waiting for 1 more approver']],
    ['a second vote while still pending', progress('awaiting_approval', [], ['dana'], 3), progress('awaiting_approval', [], ['dana', 'erin'], 3), ['approvals: 2 of 3 (dana, erin); waiting for 1 more approver']],
    ['approved and taken by a worker between two polls: who approved, then running, then the steps in ledger order', progress('awaiting_approval'),
      progress('running', [step('validate', 'done', 1, 1), step('snapshot', 'done', 1, 2), step('execute', 'running', 2)], ['dana', 'erin']),
      ['approved by dana, erin', 'running', 'validate done in 0 ms', 'snapshot done in 1.0 s', 'execute started']],
    ['execute ends, then verifying begins with verify', progress('running', [step('execute', 'running', 2)]),
      progress('verifying', [step('execute', 'done', 2, 4, { summary: 'deployed v1' }), step('verify', 'running', 4)]),
      ['execute done in 2.0 s: deployed v1', 'verifying', 'verify started']],
    ['a failure: the step with its reason, then the final status last', progress('running', [step('execute', 'running', 2)]),
      progress('failed', [step('execute', 'failed', 2, 3, { reason: 'exited with code 1' }), step('finish', 'done', 3, 3)], ['dana'], 1, 'executor failed: exited with code 1'),
      ['execute failed in 1.0 s: exited with code 1', 'finish done in 0 ms', 'failed: executor failed: exited with code 1']],
    ['nothing changed', progress('running', [step('execute', 'running', 2)]), progress('running', [step('execute', 'running', 2)]), []],
    ['a rejected request is not "approved"', progress('awaiting_approval'), progress('rejected', [], ['dana'], 2, 'rejected by erin'), ['rejected: rejected by erin']],
  ];
  it.each(cases)('%s', (_name, prev, next, lines) => {
    expect(describeChanges(prev, next, plain)).toEqual(lines);
  });

  it('colours only the words, so the text is the same with colours on', () => {
    const coloured = describeChanges(null, progress('failed', [], ['dana'], 1, 'boom'), pc.createColors(true));
    expect(coloured).toEqual(['\x1b[1m\x1b[31mfailed\x1b[39m\x1b[22m: boom']);
  });
});
