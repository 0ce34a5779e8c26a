import type { z } from 'zod';
import { valueAt, type ConfigPath, type ConfigProblem } from './config-problem.ts';
import { keysOf, schemaAt } from './schema-at.ts';
import { showValue } from './shown-value.ts';
import { suggest } from './suggest.ts';

// zod issues in the words of a YAML file, for `config check` only: it names the valid choices and the nearest one.
// The value is added where the problem gets its position (check-config.ts), unless the sentence is built around it.
// The HTTP API keeps formatIssues, which never names what the caller sent.

type Issue = z.core.$ZodIssue;
type Key = string | number;

interface Context {
  schema: z.core.$ZodType;
  input: unknown;
}

// A list of choices longer than this is noise in a one-line error; --json still carries all of them.
const MAX_LISTED = 12;

const TYPE_NAMES: Record<string, string> = {
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

// zod's own wording starts like this; anything else was written in the schema for people and is kept as it is.
const isZodDefault = (message: string) => /^(Invalid|Too (small|big)|Unrecognized|Expected)/.test(message);

const listed = (choices: readonly string[]) => choices.join(', ');

function tooSmallOrBig(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  if (!isZodDefault(issue.message)) return issue.message;
  const small = issue.code === 'too_small';
  const bound = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  const op = small ? (issue.inclusive === false ? '>' : '≥') : issue.inclusive === false ? '<' : '≤';
  if (issue.origin === 'string') return small && Number(bound) <= 1 ? 'must not be empty' : `expected ${small ? 'at least' : 'at most'} ${bound} characters`;
  if (issue.origin === 'array') return `expected ${small ? 'at least' : 'at most'} ${bound} items`;
  return `expected a number ${op} ${bound}`;
}

// An unknown key is most often a typo (did you mean), next a key indented under the wrong mapping.
function unknownKey(path: ConfigPath, key: string, ctx: Context): ConfigProblem {
  const at = [...path, key];
  const here = valueAt(ctx.input, path);
  const allowed = keysOf(schemaAt(ctx.schema, path, ctx.input), here) ?? [];
  const suggestion = suggest(key, allowed);
  if (suggestion) return { path: at, at: 'key', message: `unknown key "${key}"`, expected: allowed, suggestion };
  const siblings = here !== null && typeof here === 'object' ? Object.entries(here) : [];
  const under = siblings.find(([k, v]) => k !== key && keysOf(schemaAt(ctx.schema, [...path, k], ctx.input), v)?.includes(key))?.[0];
  if (under !== undefined) return { path: at, at: 'key', message: `unknown key "${key}" here; it belongs under "${under}": check its indentation`, expected: allowed };
  const parent = path.slice(0, -1);
  const outer = path.length > 0 ? keysOf(schemaAt(ctx.schema, parent, ctx.input), valueAt(ctx.input, parent)) : undefined;
  if (outer?.includes(key)) return { path: at, at: 'key', message: `unknown key "${key}" here; it belongs one level up, beside "${path.at(-1)}": check its indentation`, expected: allowed };
  const choices = allowed.length > 0 && allowed.length <= MAX_LISTED ? `; expected one of ${listed(allowed)}` : '';
  return { path: at, at: 'key', message: `unknown key "${key}"${choices}`, expected: allowed };
}

function oneOf(path: ConfigPath, values: readonly unknown[], input: unknown, lead: string): ConfigProblem {
  const choices = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const suggestion = typeof input === 'string' ? suggest(input, choices) : undefined;
  return { path, at: 'value', message: `${lead}expected one of ${listed(choices)}`, expected: choices, ...(suggestion ? { suggestion } : {}) };
}

export function describeConfigIssue(issue: Issue, ctx: Context): ConfigProblem[] {
  const path = issue.path as Key[];
  const missing = (p: ConfigPath, expected?: string): ConfigProblem => ({
    path: p,
    at: 'parent',
    message: `missing required key "${String(p.at(-1))}"${expected ? ` (${expected})` : ''}`,
  });
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownKey(path, key, ctx));
    case 'invalid_union': {
      if (!('discriminator' in issue) || !issue.discriminator) break;
      const disc = issue.discriminator as string;
      const at = path.at(-1) === disc ? path : [...path, disc];
      const kinds = ('options' in issue ? (issue.options as unknown[]) : []).map(String);
      const value = valueAt(ctx.input, at);
      if (value === undefined) return [{ path: at, at: 'parent', message: `missing required key "${disc}"; expected one of ${listed(kinds)}`, expected: kinds }];
      return [oneOf(at, kinds, value, `unknown ${disc} ${showValue(at, value).text}; `)];
    }
    case 'invalid_type': {
      if (issue.input === undefined && valueAt(ctx.input, path) === undefined) return [missing(path, TYPE_NAMES[issue.expected])];
      const base = isZodDefault(issue.message) ? `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}` : issue.message;
      return [{ path, at: 'value', message: base }];
    }
    case 'invalid_value':
      return [oneOf(path, issue.values, issue.input, '')];
    case 'invalid_key': {
      const reason = issue.issues.map((i) => i.message).join('; ');
      return [{ path, at: 'key', message: `invalid name "${String(path.at(-1))}": ${reason}` }];
    }
    case 'too_small':
    case 'too_big':
      return [{ path, at: 'value', message: tooSmallOrBig(issue) }];
    case 'invalid_format':
      return [{ path, at: 'value', message: isZodDefault(issue.message) ? `expected a valid ${issue.format === 'url' ? 'URL' : issue.format}` : issue.message }];
  }
  return [{ path, at: 'value', message: issue.message }];
}
