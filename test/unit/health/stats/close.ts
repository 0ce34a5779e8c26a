import { expect } from 'vitest';

/** Equal to within a relative tolerance: R's reference values and ours take different but equally exact routes. */
export function expectClose(actual: number, expected: number, relative = 1e-9): void {
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(relative * Math.abs(expected));
}
