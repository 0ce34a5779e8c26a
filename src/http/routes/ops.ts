import { z } from 'zod';
import { buildOpenApi } from '../openapi.ts';
import { checkDependencies } from '../dependency-health.ts';
import { defineRoute } from '../route.ts';
import { schemaNames } from '../schema-names.ts';

const Reach = z.object({ ok: z.boolean(), error: z.string().optional().describe('Why it could not be reached'), latency_ms: z.number().int() });
const DependencyHealthSchema = z
  .object({ status: z.enum(['ok', 'degraded']), database: Reach, redis: Reach })
  .register(schemaNames, { id: 'DependencyHealth' });

export const healthRoute = defineRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  summary: 'Liveness and dependencies: is Postgres reachable, is Redis reachable',
  tag: 'operations',
  auth: 'public',
  responses: {
    200: { description: 'PostgreSQL and Redis both answer', schema: DependencyHealthSchema },
    503: { description: 'Degraded: PostgreSQL or Redis does not answer', schema: DependencyHealthSchema },
  },
  handler: ({ deps }) => checkDependencies(deps),
});

export const metricsRoute = defineRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  summary: 'Prometheus metrics',
  tag: 'operations',
  auth: 'public',
  responses: { 200: { description: "Prometheus' text exposition format", schema: z.string(), contentType: 'text/plain' } },
  async handler({ deps }) {
    return { status: 200, body: await deps.metrics.metrics(), contentType: deps.metrics.contentType };
  },
});

// Loose: the document is described by the OpenAPI specification, not by this API.
const OpenApiDocumentSchema = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .register(schemaNames, { id: 'OpenApiDocument' });

export const openApiRoute = defineRoute({
  method: 'get',
  path: '/api/openapi.json',
  operationId: 'getOpenApiDocument',
  summary: 'This API as an OpenAPI 3.1 document',
  tag: 'operations',
  auth: 'public',
  query: z.object({}),
  responses: { 200: { description: 'The document, built from the same route declarations that serve requests', schema: OpenApiDocumentSchema } },
  async handler() {
    return { status: 200, body: await buildOpenApi() };
  },
});
