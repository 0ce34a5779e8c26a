/** A reading's value from a number or a numeric string; anything else says why it is not one. */
export type Parsed = { ok: true; value: number } | { ok: false; reason: string };

// Strict on purpose: Number('') is 0 and Number(' 1 ') is 1, and neither is a measurement.
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(input: unknown): Parsed {
  if (typeof input === 'number') return Number.isFinite(input) ? { ok: true, value: input } : { ok: false, reason: Number.isNaN(input) ? 'NaN' : input > 0 ? '+Inf' : '-Inf' };
  if (typeof input !== 'string') return { ok: false, reason: input === null ? 'null' : `not numeric (${Array.isArray(input) ? 'array' : typeof input})` };
  // Prometheus spells the non-finite values NaN, +Inf and -Inf.
  if (input === 'NaN') return { ok: false, reason: 'NaN' };
  if (input === '+Inf' || input === 'Inf') return { ok: false, reason: '+Inf' };
  if (input === '-Inf') return { ok: false, reason: '-Inf' };
  if (!NUMERIC.test(input)) return { ok: false, reason: 'not numeric' };
  const value = Number(input);
  return Number.isFinite(value) ? { ok: true, value } : { ok: false, reason: value > 0 ? '+Inf' : '-Inf' };
}
