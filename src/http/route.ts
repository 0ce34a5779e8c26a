import type { Context } from 'hono';
import type { z } from 'zod';
import type { TokenRole } from '../config/schema.ts';
import type { TokenPrincipal } from './auth.ts';
import type { HttpDeps } from './deps.ts';

type Schema = z.ZodType;
/** What a part of the request is once its schema has parsed it; undefined when the route declares no schema. */
type Parsed<S extends Schema | undefined> = S extends Schema ? z.output<S> : undefined;

/** Roles that may call a route; 'public' needs no token. */
export type RouteAuth = readonly TokenRole[] | 'public';
/** Only a public route runs without a token, so only its handler may see a null principal. */
export type PrincipalFor<A extends RouteAuth> = A extends 'public' ? null : TokenPrincipal;

export interface RouteInput<B, Q, P, Who> {
  deps: HttpDeps;
  body: B;
  query: Q;
  params: P;
  principal: Who;
  c: Context;
}

export interface RouteResult {
  status: number;
  body: unknown;
  contentType?: string;
}

// One HTTP endpoint, declared as data: the registry builds both the router and the OpenAPI document from these.
export interface RouteDef<BS extends Schema | undefined, QS extends Schema | undefined, PS extends Schema | undefined, A extends RouteAuth> {
  method: 'get' | 'post';
  path: string;
  summary: string;
  tag: string;
  auth: A;
  body?: BS;
  query?: QS;
  params?: PS;
  // Method syntax on purpose: see AnyRoute.
  handler(input: RouteInput<Parsed<BS>, Parsed<QS>, Parsed<PS>, PrincipalFor<A>>): Promise<RouteResult>;
}

/**
 * Any route, with its own input types forgotten so that one list can hold them all; discriminated on auth, so
 * register() still hands a null principal to public routes only. This is the one place route types are erased, and
 * it is sound because register() gives each handler exactly what that route's own schemas parsed. TypeScript accepts
 * the widening without a cast because `handler` is a method, whose parameter is checked bivariantly.
 */
export type AnyRoute =
  | RouteDef<Schema | undefined, Schema | undefined, Schema | undefined, 'public'>
  | RouteDef<Schema | undefined, Schema | undefined, Schema | undefined, readonly TokenRole[]>;

/** Infers a route's types from its schemas and auth, so its handler receives parsed input and the right principal. */
export const defineRoute = <
  const A extends RouteAuth,
  BS extends Schema | undefined = undefined,
  QS extends Schema | undefined = undefined,
  PS extends Schema | undefined = undefined,
>(
  def: RouteDef<BS, QS, PS, A>,
) => def;
