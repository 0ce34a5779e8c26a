import { z } from 'zod';
import { buildOpenApi } from '../openapi.ts';
import { checkDependencies } from '../dependency-health.ts';
import { defineRoute } from '../route.ts';

export const healthRoute = defineRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness and dependencies: is Postgres reachable, is Redis reachable',
  tag: 'operations',
  auth: 'public',
  handler: ({ deps }) => checkDependencies(deps),
});

export const metricsRoute = defineRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics',
  tag: 'operations',
  auth: 'public',
  async handler({ deps }) {
    return { status: 200, body: await deps.metrics.metrics(), contentType: deps.metrics.contentType };
  },
});

export const openApiRoute = defineRoute({
  method: 'get',
  path: '/api/openapi.json',
  summary: 'This API as an OpenAPI 3.1 document',
  tag: 'operations',
  auth: 'public',
  query: z.object({}),
  async handler() {
    return { status: 200, body: await buildOpenApi() };
  },
});
