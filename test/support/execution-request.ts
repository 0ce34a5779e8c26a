import type { ExecutionRequest } from '../../src/executors/types.ts';

export function executionRequest(over: Partial<ExecutionRequest> = {}): ExecutionRequest & { lines: string[] } {
  const lines: string[] = [];
  return {
    eventId: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c',
    idempotencyKey: '3f1c9a52-8d1e-4b7a-9c3e-2a6f0b1d4e5c',
    service: 'payments',
    environment: 'production',
    target: { deploymentId: 'd-good', version: 'v2.5.2', gitCommit: 'a7f3b29' },
    from: { deploymentId: 'd-bad', version: 'v2.5.3', gitCommit: 'b81c0de' },
    plan: {
      service: 'payments',
      environment: 'production',
      from: { deployment_id: 'd-bad', version: 'v2.5.3', git_commit: 'b81c0de', deployed_at: '2026-11-22T14:00:00.000Z', health_check_passed: false },
      target: { deployment_id: 'd-good', version: 'v2.5.2', git_commit: 'a7f3b29', deployed_at: '2026-11-22T13:45:00.000Z', health_check_passed: true },
      migrations: [],
      mode: 'full',
      policy_version: 'p1',
    },
    signal: new AbortController().signal,
    onProgress: (line) => lines.push(line),
    lines,
    ...over,
  };
}
