import type { Context } from 'hono';
import type { z } from 'zod';
import type { TokenRole } from '../config/schema.ts';
import type { TokenPrincipal } from './auth.ts';
import type { HttpDeps } from './deps.ts';

export interface RouteInput<B, Q, P> {
  deps: HttpDeps;
  body: B;
  query: Q;
  params: P;
  /** null only on public routes. */
  principal: TokenPrincipal | null;
  c: Context;
}

export interface RouteResult {
  status: number;
  body: unknown;
  contentType?: string;
}

// One HTTP endpoint, declared as data: the registry builds both the router and the OpenAPI document from these.
export interface RouteDef<B = unknown, Q = unknown, P = unknown> {
  method: 'get' | 'post';
  path: string;
  summary: string;
  tag: string;
  /** Roles that may call it; 'public' needs no token. */
  auth: readonly TokenRole[] | 'public';
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  handler(input: RouteInput<B, Q, P>): Promise<RouteResult>;
}

export const defineRoute = <B, Q, P>(def: RouteDef<B, Q, P>) => def as unknown as RouteDef;
