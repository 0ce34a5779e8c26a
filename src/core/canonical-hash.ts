import { createHash } from 'node:crypto';

// One JSON text per value whatever its key order, so that a hash of it (a policy version, an audit row, a plan, a
// checkpoint) is the same wherever and whenever it is computed.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    // Keys holding undefined are dropped, exactly as JSON (and Postgres jsonb) drop them.
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
export const canonicalHash = (value: unknown) => sha256(canonical(value));
