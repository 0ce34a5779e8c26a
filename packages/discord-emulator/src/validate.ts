// @ts-ignore -- discord-api-spec's "types" entry points at the .js file, so TypeScript finds no declarations
// (TS7016). The schemas are typed below by the one method we use; an ambient `declare module` would leak into the
// whole project instead.
import * as spec from 'discord-api-spec/zod';
import { walkComponents } from './components.ts';

export interface Issue {
  path: Array<string | number>;
  /** Discord's error code for the field, e.g. BASE_TYPE_MAX_LENGTH. */
  code: string;
  message: string;
}

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message?: string;
  maximum?: number | bigint;
  minimum?: number | bigint;
  expected?: string;
  values?: unknown[];
  input?: unknown;
  keys?: string[];
  errors?: ZodIssueLike[][];
}

interface SpecSchema {
  safeParse(input: unknown): { success: true; data: unknown } | { success: false; error: { issues: ZodIssueLike[] } };
}

const SCHEMA_NAMES = [
  'ApplicationCommandCreateRequestSchema',
  'CreateMessageInteractionCallbackRequestSchema',
  'UpdateMessageInteractionCallbackRequestSchema',
  'ModalInteractionCallbackRequestSchema',
  'ApplicationCommandAutocompleteCallbackRequestSchema',
  'IncomingWebhookInteractionRequestSchema',
  'IncomingWebhookUpdateRequestPartialSchema',
  'MessageCreateRequestSchema',
  'MessageEditRequestPartialSchema',
] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

const schemas = spec as unknown as Record<SchemaName, SpecSchema>;
for (const name of SCHEMA_NAMES) {
  // Fail loudly at import if a spec upgrade renames a schema, rather than silently validating nothing.
  if (typeof schemas[name]?.safeParse !== 'function') throw new Error(`discord-api-spec/zod has no ${name}`);
}

/** Checks a request body against Discord's published schema. */
export function checkSchema(name: SchemaName, body: unknown): Issue[] {
  const result = schemas[name].safeParse(body);
  return result.success ? [] : result.error.issues.flatMap((issue) => toIssues(issue, []));
}

function toIssues(issue: ZodIssueLike, prefix: Array<string | number>): Issue[] {
  const path = [...prefix, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
  if (issue.code === 'invalid_union' && issue.errors?.length) {
    // A union (e.g. "one of the component types") fails as a whole; the branch with the fewest issues is the
    // one the sender most likely meant, and its issues say what is actually wrong.
    const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
    if (closest.length > 0) return closest.flatMap((inner) => toIssues(inner, path));
  }
  return [{ path, ...describe(issue) }];
}

function describe(issue: ZodIssueLike): { code: string; message: string } {
  switch (issue.code) {
    case 'too_big':
      return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${String(issue.maximum)} or fewer in length.` };
    case 'too_small':
      return { code: 'BASE_TYPE_MIN_LENGTH', message: `Must be ${String(issue.minimum)} or more in length.` };
    case 'invalid_type':
      return issue.input === undefined
        ? { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }
        : { code: 'BASE_TYPE_BAD_TYPE', message: `Expected ${issue.expected ?? 'another type'}.` };
    case 'invalid_value':
      return { code: 'BASE_TYPE_CHOICES', message: `Value must be one of ${JSON.stringify(issue.values ?? [])}.` };
    case 'unrecognized_keys':
      return { code: 'UNKNOWN_FIELD', message: `Unknown fields ${JSON.stringify(issue.keys ?? [])}.` };
    default:
      return { code: issue.code.toUpperCase(), message: issue.message ?? 'Invalid value.' };
  }
}

const EMBED_TOTAL_MAX = 6000;
const EMBEDS_MAX = 10;
const CONTENT_MAX = 2000;
const CLASSIC_ROWS_MAX = 5;
const IS_COMPONENTS_V2 = 1 << 15;

/**
 * Limits the spec's schemas do not express: the 6000-character total across embeds, 2000 characters of content for
 * bots (the spec allows 4000, which is the Nitro limit), the layout rules of classic vs. v2 components, and unique
 * custom_ids within a message.
 */
export function checkMessageLimits(body: Record<string, any>, existingFlags = 0): Issue[] {
  const issues: Issue[] = [];
  if (typeof body.content === 'string' && body.content.length > CONTENT_MAX) {
    issues.push({ path: ['content'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${CONTENT_MAX} or fewer in length.` });
  }
  const embeds: any[] = Array.isArray(body.embeds) ? body.embeds : [];
  if (embeds.length > EMBEDS_MAX) {
    issues.push({ path: ['embeds'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${EMBEDS_MAX} or fewer in length.` });
  }
  const total = embeds.reduce((sum, embed) => sum + embedCharacters(embed), 0);
  if (total > EMBED_TOTAL_MAX) {
    issues.push({
      path: ['embeds'],
      code: 'MAX_EMBED_SIZE_EXCEEDED',
      message: `Embed size exceeds maximum size of ${EMBED_TOTAL_MAX} (total ${total} characters).`,
    });
  }
  const components: any[] = Array.isArray(body.components) ? body.components : [];
  const v2 = ((typeof body.flags === 'number' ? body.flags : 0) | existingFlags) & IS_COMPONENTS_V2;
  if (v2) {
    if (typeof body.content === 'string' && body.content !== '') {
      issues.push({ path: ['content'], code: 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', message: 'The content field cannot be used with IS_COMPONENTS_V2.' });
    }
    if (embeds.length > 0) {
      issues.push({ path: ['embeds'], code: 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', message: 'The embeds field cannot be used with IS_COMPONENTS_V2.' });
    }
  } else {
    if (components.length > CLASSIC_ROWS_MAX) {
      issues.push({ path: ['components'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${CLASSIC_ROWS_MAX} or fewer in length.` });
    }
    components.forEach((c, i) => {
      if (c?.type !== 1) {
        issues.push({ path: ['components', i, 'type'], code: 'UNION_TYPE_CHOICES', message: 'Only action rows (type 1) are allowed at the top level without IS_COMPONENTS_V2.' });
      }
    });
  }
  const seen = new Map<string, string>();
  walkComponents(components, ['components'], (component, path) => {
    if (typeof component.custom_id !== 'string') return;
    const first = seen.get(component.custom_id);
    if (first !== undefined) {
      issues.push({ path: [...path, 'custom_id'], code: 'COMPONENT_CUSTOM_ID_DUPLICATED', message: `Component custom id "${component.custom_id}" is already used at ${first}.` });
    } else {
      seen.set(component.custom_id, path.join('.'));
    }
  });
  return issues;
}

function embedCharacters(embed: any): number {
  const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);
  let n = len(embed?.title) + len(embed?.description) + len(embed?.footer?.text) + len(embed?.author?.name);
  for (const field of Array.isArray(embed?.fields) ? embed.fields : []) n += len(field?.name) + len(field?.value);
  return n;
}

/** Discord's error body for 50035: issues nested by path, each leaf holding `_errors`. */
export function formBodyErrors(issues: Issue[]): Record<string, unknown> {
  const root: Record<string, any> = {};
  for (const issue of issues) {
    let node = root;
    for (const key of issue.path) node = node[String(key)] ??= {};
    (node._errors ??= []).push({ code: issue.code, message: issue.message });
  }
  return root;
}

export function describeIssues(issues: Issue[]): string {
  return issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message} [${i.code}]`).join('; ');
}
