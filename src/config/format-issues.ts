import type { z } from 'zod';

export interface FieldError {
  path: string;
  message: string;
}

const ARTICLE = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // A key kept only to say where it went (verification.thresholds) carries its own message.
      if (issue.expected === 'never' && !issue.message.startsWith('Invalid')) return issue.message;
      return issue.input === undefined ? `required: expected ${ARTICLE(issue.expected)}` : `expected ${ARTICLE(issue.expected)}`;
    case 'too_small': {
      const op = issue.inclusive === false ? '>' : '≥';
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return `expected a number ${op} ${issue.minimum}`;
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `expected at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return issue.message && !issue.message.startsWith('Too small') ? issue.message : `expected at least ${issue.minimum} items`;
      return issue.message;
    }
    case 'too_big': {
      const op = issue.inclusive === false ? '<' : '≤';
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return `expected a number ${op} ${issue.maximum}`;
      if (issue.origin === 'string') return `expected at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `expected at most ${issue.maximum} items`;
      return issue.message;
    }
    case 'invalid_value':
      return `expected one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_union':
      return issue.message.startsWith('Invalid input') ? 'does not match any allowed shape' : issue.message;
    case 'invalid_format':
      return issue.message.startsWith('Invalid') ? `expected a valid ${issue.format}` : issue.message;
    default:
      return issue.message;
  }
}

export function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

// zod issues → one "path: message" per problem, the shape `backstop config check` and the HTTP API both print.
export function formatIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldError[] {
  return error.issues.map((issue) => {
    // discriminatedUnion reports a bad discriminator at the object; name the field itself.
    if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
      const path = issue.path.at(-1) === issue.discriminator ? issue.path : [...issue.path, issue.discriminator as string];
      return { path: pathOf([...prefix, ...path]) || '(root)', message: `unknown ${String(issue.discriminator)}` };
    }
    return { path: pathOf([...prefix, ...issue.path]) || '(root)', message: describe(issue) };
  });
}
