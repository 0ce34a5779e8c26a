import { z } from 'zod';
import type { AnyRoute } from './route.ts';

const ERROR = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} }, required: ['code', 'message'] } },
};

const toSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  try {
    return z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  } catch {
    return {};
  }
};

let cached: Promise<unknown> | undefined;

// Built from the same route registry that serves requests, so the document cannot drift from the code.
export function buildOpenApi(): Promise<unknown> {
  // Imported lazily: the routes module imports this one.
  return (cached ??= import('./routes/index.ts').then(({ ROUTES }) => document(ROUTES)));
}

function document(routes: readonly AnyRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: unknown[] = [];
    for (const m of r.path.matchAll(/\{(\w+)\}/g)) parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
    if (r.query) {
      const q = toSchema(r.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
    }
    (paths[r.path] ??= {})[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.auth === 'public' ? { security: [] } : { description: `Roles: ${r.auth.join(', ')} (admin may call every operation).` }),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(r.body, 'input') } } } } : {}),
      responses: {
        '200': { description: 'OK' },
        '400': { description: 'Invalid input; the message names the field', content: { 'application/json': { schema: ERROR } } },
        ...(r.auth === 'public' ? {} : { '401': { description: 'Missing or invalid token' }, '403': { description: 'The token lacks the role' } }),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'backstop', version: '0.1.0', description: 'Deployment records, health, and rollbacks that are approved, validated, executed once and verified.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
