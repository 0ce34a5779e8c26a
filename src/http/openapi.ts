import { z } from 'zod';
import { PACKAGE } from '../core/package-root.ts';
import { responsesOf } from './responses.ts';
import type { AnyRoute } from './route.ts';
import { schemaNames } from './schema-names.ts';
import { TAGS } from './tags.ts';

type JsonSchema = { properties?: Record<string, unknown>; required?: string[]; [key: string]: unknown };

const SCHEMAS = '#/components/schemas/';
// Input, not output: zod writes an object's output as additionalProperties: false, which would forbid every field a
// later version adds to a response. The request bodies are what a client sends, so input is their truth anyway.
const OPTIONS = { io: 'input', unrepresentable: 'any' } as const;

// Each schema of components.schemas is a part of the document, not a document of its own.
function bare(schema: Record<string, unknown>): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

const inline = (schema: z.ZodType) => bare(z.toJSONSchema(schema, OPTIONS) as Record<string, unknown>);

/** A named body becomes a reference to its component (and a type of its own in a generated client); any other is inlined. */
function bodySchema(schema: z.ZodType): JsonSchema {
  const id = schemaNames.get(schema)?.id;
  return id ? { $ref: `${SCHEMAS}${id}` } : inline(schema);
}

let cached: Promise<ReturnType<typeof document>> | undefined;

// Built from the same route registry that serves requests, so the document cannot drift from the code.
export function buildOpenApi() {
  // Imported lazily: the routes module imports this one.
  return (cached ??= import('./routes/index.ts').then(({ ROUTES }) => document(ROUTES)));
}

// A property's description belongs to its parameter, where a reader and the linter look for it.
function parameter(name: string, where: 'path' | 'query', required: boolean, property: unknown) {
  const { description, ...schema } = property as { description?: string };
  return { name, in: where, required, ...(description ? { description } : {}), schema };
}

function parametersOf(r: AnyRoute): unknown[] {
  const parameters: unknown[] = [];
  const path = r.params ? inline(r.params) : {};
  for (const [, name] of r.path.matchAll(/\{(\w+)\}/g)) {
    // defineRoute makes this impossible to compile; an alias with a new path is the way left to get here.
    const schema = path.properties?.[name!];
    if (!schema) throw new Error(`${r.operationId}: the path parameter {${name}} has no schema in the route's params`);
    parameters.push(parameter(name!, 'path', true, schema));
  }
  if (r.query) {
    const q = inline(r.query);
    for (const [name, schema] of Object.entries(q.properties ?? {})) parameters.push(parameter(name, 'query', q.required?.includes(name) ?? false, schema));
  }
  return parameters;
}

function operationOf(r: AnyRoute) {
  const parameters = parametersOf(r);
  const responses = Object.entries(responsesOf(r)).map(([status, def]) => [
    status,
    { description: def.description, content: { [def.contentType ?? 'application/json']: { schema: bodySchema(def.schema) } } },
  ]);
  return {
    operationId: r.operationId,
    summary: r.summary,
    tags: [r.tag],
    ...(r.auth === 'public' ? { security: [], description: 'Public: no token needed.' } : { description: `Roles: ${r.auth.join(', ')} (admin may call every operation).` }),
    ...(parameters.length ? { parameters } : {}),
    // An empty body reads as {} (see readJson in app.ts), so a body is required only when {} would be refused.
    ...(r.body ? { requestBody: { required: !r.body.safeParse({}).success, content: { 'application/json': { schema: bodySchema(r.body) } } } } : {}),
    responses: Object.fromEntries(responses),
  };
}

function document(routes: readonly AnyRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  for (const r of routes) {
    if (operationIds.has(r.operationId)) throw new Error(`two routes share the operationId ${r.operationId}`);
    operationIds.add(r.operationId);
    (paths[r.path] ??= {})[r.method] = operationOf(r);
  }
  const components = z.toJSONSchema(schemaNames, { ...OPTIONS, uri: (id) => `${SCHEMAS}${id}` }).schemas;
  return {
    openapi: '3.1.0',
    info: {
      title: 'backstop',
      version: PACKAGE.version,
      description: 'Deployment records, health, and rollbacks that are approved, validated, executed once and verified.',
      // package.json's license.
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: the API is wherever this document was fetched from, behind whatever proxy; a client generator takes
    // the base URL as a setting.
    servers: [{ url: '/', description: 'The backstop that served this document' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    security: [{ bearer: [] }, { basic: [] }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).map(([id, schema]) => [id, bare(schema as Record<string, unknown>)])),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from the policy file (api.tokens), its value in BACKSTOP_TOKEN_<NAME>' },
        basic: { type: 'http', scheme: 'basic', description: 'The same token as the password, for senders that speak only basic auth (Alertmanager); the user name is ignored' },
      },
    },
  };
}
