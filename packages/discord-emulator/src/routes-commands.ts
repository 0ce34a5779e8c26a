import type { CommandStore } from './command-store.ts';
import { GENEROUS } from './rate-limit.ts';
import { discordError, invalidForm, ok, type Route, type RouteRequest, type RouteResult } from './router.ts';
import { checkSchema, type Issue } from './validate.ts';

/** Discord allows 100 chat-input commands plus 15 user and 15 message commands per scope. */
const MAX_COMMANDS = 130;

/** Application command registration: bulk overwrite (PUT), list (GET) and single create (POST), global and per guild. */
export function commandRoutes(deps: { applicationId: string; guildId: string; commands: CommandStore }): Route[] {
  const scopeError = (request: RouteRequest): RouteResult | undefined => {
    if (request.params.appId !== deps.applicationId) {
      request.violation(`application id ${request.params.appId} is not this bot's (${deps.applicationId})`);
      return discordError(404, 10002, 'Unknown Application');
    }
    if (request.params.guildId !== undefined && request.params.guildId !== deps.guildId) {
      request.violation(`guild ${request.params.guildId} is not the emulated guild`);
      return discordError(403, 50001, 'Missing Access');
    }
    return undefined;
  };

  const checkOne = (body: unknown, prefix: Array<string | number>): Issue[] =>
    checkSchema('ApplicationCommandCreateRequestSchema', body).map((i) => ({ ...i, path: [...prefix, ...i.path] }));

  const put = (request: RouteRequest): RouteResult => {
    const error = scopeError(request);
    if (error) return error;
    const body = request.body;
    if (!Array.isArray(body)) {
      return invalidForm(request, [{ path: [], code: 'BASE_TYPE_ARRAY', message: 'Expected an array of commands.' }]);
    }
    const issues = body.flatMap((command, i) => checkOne(command, [i]));
    if (body.length > MAX_COMMANDS) issues.push({ path: [], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_COMMANDS} or fewer in length.` });
    const seen = new Set<string>();
    body.forEach((command: any, i) => {
      const key = `${command?.type ?? 1}:${command?.name}`;
      if (seen.has(key)) issues.push({ path: [i, 'name'], code: 'APPLICATION_COMMANDS_DUPLICATE_NAME', message: `Application command names must be unique (${command?.name}).` });
      seen.add(key);
    });
    if (issues.length > 0) return invalidForm(request, issues, 'commands');
    return ok(deps.commands.overwrite(request.params.guildId, body));
  };

  const post = (request: RouteRequest): RouteResult => {
    const error = scopeError(request);
    if (error) return error;
    const issues = checkOne(request.body, []);
    if (issues.length > 0) return invalidForm(request, issues, 'command');
    const body = request.body as Record<string, any>;
    const current = deps.commands.list(request.params.guildId);
    const existing = current.find((c) => c.name === body.name && c.type === (body.type ?? 1));
    const next = [...current.filter((c) => c !== existing), body];
    const stored = deps.commands.overwrite(request.params.guildId, next);
    return ok(stored.find((c) => c.name === body.name && c.type === (body.type ?? 1)), existing ? 200 : 201);
  };

  const list = (request: RouteRequest): RouteResult => scopeError(request) ?? ok(deps.commands.list(request.params.guildId));

  const routes: Route[] = [];
  for (const template of ['/applications/:appId/commands', '/applications/:appId/guilds/:guildId/commands']) {
    const major = (p: Record<string, string>) => `${p.appId}:${p.guildId ?? ''}`;
    routes.push(
      { method: 'PUT', template, auth: 'bot', bucket: GENEROUS, major, handle: put },
      { method: 'GET', template, auth: 'bot', bucket: GENEROUS, major, handle: list },
      { method: 'POST', template, auth: 'bot', bucket: GENEROUS, major, handle: post },
    );
  }
  return routes;
}
