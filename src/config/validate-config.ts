import type { Document, YAMLError } from 'yaml';
import type { z } from 'zod';
import type { ConfigProblem } from './config-problem.ts';
import { crossCheck } from './cross-check.ts';
import { ConfigSchema, type RawConfig } from './schema.ts';

/** How far a parsed file got: YAML, then the schema, then the checks between its parts. Each stage keeps every problem. */
export type ConfigValidation =
  | { ok: true; raw: RawConfig }
  | { ok: false; stage: 'yaml'; errors: YAMLError[] }
  | { ok: false; stage: 'schema'; error: z.ZodError; input: unknown }
  | { ok: false; stage: 'cross'; problems: ConfigProblem[] };

// The stages stop at the first that fails: the schema's errors about a file YAML could not read would be guesses.
export function validateConfig(doc: Document): ConfigValidation {
  if (doc.errors.length > 0) return { ok: false, stage: 'yaml', errors: doc.errors };
  const input: unknown = doc.toJS() ?? {};
  const parsed = ConfigSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) return { ok: false, stage: 'schema', error: parsed.error, input };
  const problems = crossCheck(parsed.data);
  if (problems.length > 0) return { ok: false, stage: 'cross', problems };
  return { ok: true, raw: parsed.data };
}
