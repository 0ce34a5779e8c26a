import type { z } from 'zod';

// zod's issues name the keys a mapping must not have, not those it may: the schema at the path says which.

type Schema = z.core.$ZodType;
type Key = PropertyKey;

/** The schema a value is checked against, past the wrappers (optional, default, a transform's input side). */
function unwrap(schema: Schema): Schema {
  let s = schema as z.core.$ZodTypes;
  for (;;) {
    const def = s._zod.def;
    if (def.type === 'pipe') s = def.in as z.core.$ZodTypes;
    else if ('innerType' in def) s = def.innerType as z.core.$ZodTypes;
    else return s;
  }
}

const entry = (input: unknown, key: Key): unknown =>
  input !== null && typeof input === 'object' ? (input as Record<Key, unknown>)[key] : undefined;

/** A discriminated union's option for this input (by its discriminator), or undefined when it names none. */
function option(schema: Schema, input: unknown): Schema | undefined {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  if (def.type !== 'union' || !('discriminator' in def) || typeof def.discriminator !== 'string') return undefined;
  const disc = def.discriminator;
  const value = entry(input, disc);
  return def.options.find((o) => o._zod.propValues?.[disc]?.has(value as string));
}

function child(schema: Schema, key: Key, input: unknown): Schema | undefined {
  const s = unwrap(schema);
  const def = (s as z.core.$ZodTypes)._zod.def;
  if (def.type === 'object') return typeof key === 'string' ? def.shape[key] : undefined;
  if (def.type === 'record') return typeof key === 'string' ? def.valueType : undefined;
  if (def.type === 'array') return typeof key === 'number' ? def.element : undefined;
  const chosen = option(s, input);
  return chosen ? child(chosen, key, input) : undefined;
}

/** The schema at `path` of `input` under `root`, or undefined where the path leaves what the schema describes. */
export function schemaAt(root: Schema, path: readonly Key[], input: unknown): Schema | undefined {
  let schema: Schema | undefined = root;
  let value = input;
  for (const key of path) {
    if (!schema) return undefined;
    schema = child(schema, key, value);
    value = entry(value, key);
  }
  return schema;
}

/** The keys a mapping may have (for a discriminated union, those of the option its input names), or undefined for a record or anything else. */
export function keysOf(schema: Schema | undefined, input: unknown): string[] | undefined {
  if (!schema) return undefined;
  const s = unwrap(schema);
  const def = (s as z.core.$ZodTypes)._zod.def;
  if (def.type === 'object') return Object.keys(def.shape);
  const chosen = option(s, input);
  return chosen ? keysOf(chosen, input) : undefined;
}
