/**
 * PostgreSQL cannot store U+0000 in text or jsonb: a body carrying one would fail at the database with a 500. Found
 * by the fuzzer; refused at the boundary instead, with the field's path.
 */
export function findNul(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(root)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return `${here} (key)`;
      const found = findNul(v, here);
      if (found) return found;
    }
  }
  return null;
}
