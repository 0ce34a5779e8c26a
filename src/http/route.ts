import type { Context } from 'hono';
import type { z } from 'zod';
import type { TokenRole } from '../config/schema.ts';
import type { TokenPrincipal } from './auth.ts';
import type { HttpDeps } from './deps.ts';
import type { Tag } from './tags.ts';

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

/** One answer a route gives: the document shows it, and the contract check holds every response to it. */
export interface ResponseDef<S extends Schema = Schema> {
  description: string;
  /** The body as the client reads it (JSON, unless contentType says otherwise). */
  schema: S;
  /** The media type of a body that is not JSON (Prometheus' text format). */
  contentType?: string;
}

/** A route's answers by HTTP status. */
export type Responses = { readonly [status: number]: ResponseDef };

/**
 * What a handler may return: one of its route's declared statuses, with a body that status's schema accepts. An
 * undeclared status, or a body of the wrong shape, does not compile. The statuses register() and the error handler
 * answer by themselves (400, 401, 403, 413, 415, and thrown AppErrors) are checked at run time instead (check-response.ts).
 */
export type ResultOf<R extends Responses> = {
  [S in keyof R & number]: { status: S; body: z.input<R[S]['schema']>; contentType?: string };
}[keyof R & number];

// One HTTP endpoint, declared as data: the registry builds both the router and the OpenAPI document from these.
export interface RouteDef<BS extends Schema | undefined, QS extends Schema | undefined, PS extends Schema | undefined, A extends RouteAuth, R extends Responses> {
  method: 'get' | 'post';
  path: string;
  /** Stable and unique across the document: client generators name their methods after it. */
  operationId: string;
  summary: string;
  tag: Tag;
  auth: A;
  body?: BS;
  query?: QS;
  /** Parses the path's {placeholders}, and documents them: each placeholder's schema is this schema's property. */
  params?: PS;
  /** What the handler and the code it calls answer; see responsesOf for the rest. */
  responses: R;
  // Method syntax on purpose: see AnyRoute.
  handler(input: RouteInput<Parsed<BS>, Parsed<QS>, Parsed<PS>, PrincipalFor<A>>): Promise<ResultOf<NoInfer<R>>>;
}

/**
 * Any route, with its own input and response types forgotten so that one list can hold them all; discriminated on
 * auth, so register() still hands a null principal to public routes only. This is the one place route types are
 * erased, and it is sound because register() gives each handler exactly what that route's own schemas parsed, and a
 * handler's narrower result widens safely to any declared status. TypeScript accepts the widening without a cast
 * because `handler` is a method, whose parameter is checked bivariantly.
 */
export type AnyRoute =
  | RouteDef<Schema | undefined, Schema | undefined, Schema | undefined, 'public', Responses>
  | RouteDef<Schema | undefined, Schema | undefined, Schema | undefined, readonly TokenRole[], Responses>;

/** A path's placeholders: '/api/rollbacks/{event_id}/cancel' → 'event_id'. */
type Placeholders<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | Placeholders<Rest> : never;

/**
 * A path with placeholders needs a params schema that parses exactly those names: the document takes each path
 * parameter's schema from it, so a placeholder without one would be documented as nothing. A route that breaks this
 * is asked for a property no route has, and the compiler's complaint names it and the placeholders.
 */
type ParamsMatchPath<P extends string, PS extends Schema | undefined> = [Placeholders<P>] extends [never]
  ? unknown
  : PS extends Schema
    ? [keyof z.output<PS>, Placeholders<P>] extends [Placeholders<P>, keyof z.output<PS>]
      ? unknown
      : { params_must_parse_exactly_the_path_placeholders: Placeholders<P> }
    : { params_must_parse_exactly_the_path_placeholders: Placeholders<P> };

/** Infers a route's types from its schemas, auth and responses, so its handler receives parsed input and may return only what it declares. */
export const defineRoute = <
  const P extends string,
  const A extends RouteAuth,
  R extends Responses,
  BS extends Schema | undefined = undefined,
  QS extends Schema | undefined = undefined,
  PS extends Schema | undefined = undefined,
>(
  def: RouteDef<BS, QS, PS, A, R> & { path: P } & ParamsMatchPath<P, PS>,
): RouteDef<BS, QS, PS, A, R> => def;

/** The same route under another path (the seed's paths stay served); it needs an operationId of its own. */
export const aliasOf = <T extends AnyRoute>(route: T, as: { path: string; operationId: string; summary?: string }): T => ({ ...route, ...as });
