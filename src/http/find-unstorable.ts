import { pathOf, type FieldError } from '../config/format-issues.ts';

/**
 * Valid JSON that PostgreSQL would refuse, or that would take the process down before it got there, found by the
 * fuzzer as 500s. Every part of a request (body, query, path) is checked here, before its schema:
 * - NUL (U+0000): text and jsonb cannot store it.
 * - an unpaired surrogate (\ud800–\udfff): JSON.parse lets it through, but it has no UTF-8 form; jsonb refuses its
 *   escape, and a text column would silently store U+FFFD in its place.
 * - nesting past any real document: thousands of levels overflow a recursive walk, zod's included.
 */
const MAX_DEPTH = 64;
const LONE_SURROGATE = /\p{Cs}/u;

function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'text must not contain NUL characters (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'text must not contain an unpaired surrogate (\\ud800–\\udfff), which has no UTF-8 form';
  return null;
}

interface Frame {
  value: unknown;
  key: string | number | undefined;
  parent: Frame | undefined;
  /** Containers enclosing this value, itself included when it is one. */
  depth: number;
  isKey: boolean;
}

// The path goes back to the client inside a JSON answer: an unpaired surrogate there is shown as its escape, so the
// answer stays decodable by strict UTF-8 clients.
const show = (keys: readonly (string | number)[]) => pathOf(keys).replace(/\p{Cs}/gu, (s) => `\\u${s.charCodeAt(0).toString(16)}`) || '(root)';

function keysOf(frame: Frame): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f && f.key !== undefined; f = f.parent) keys.push(f.key);
  return keys.reverse();
}

/** The first problem in document order, with the field's path; null when the value can be stored as is. */
export function findUnstorable(root: unknown, maxDepth = MAX_DEPTH): FieldError | null {
  // An explicit stack, not recursion: the input chooses the depth.
  const stack: Frame[] = [{ value: root, key: undefined, parent: undefined, depth: 1, isKey: false }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value } = frame;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { path: frame.isKey ? `${show(keysOf(frame))} (key)` : show(keysOf(frame)), message: problem };
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    // Named by the request's own field: the full path of a value thousands deep would be noise.
    if (frame.depth > maxDepth) return { path: show(keysOf(frame).slice(0, 1)), message: `nested more than ${maxDepth} levels deep` };
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const depth = frame.depth + (child && typeof child === 'object' ? 1 : 0);
      stack.push({ value: child, key, parent: frame, depth, isKey: false });
      // Pushed last, so popped first: a key is checked before its value, as it is read.
      if (typeof key === 'string') stack.push({ value: key, key, parent: frame, depth: frame.depth, isKey: true });
    }
  }
  return null;
}
