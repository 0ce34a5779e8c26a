import type { ExecutionRequest, StartProof } from '../../src/executors/types.ts';
import { samplePlan } from './sample-plan.ts';

export function executionRequest(over: Partial<ExecutionRequest> = {}): ExecutionRequest & { lines: string[]; started: StartProof[] } {
  const lines: string[] = [];
  const started: StartProof[] = [];
  return {
    eventId: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c',
    idempotencyKey: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c',
    plan: samplePlan,
    signal: new AbortController().signal,
    onProgress: (line) => lines.push(line),
    onStarted: async (proof) => void started.push(proof),
    lines,
    started,
    ...over,
  };
}
