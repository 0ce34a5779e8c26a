import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StoredAttachment } from './channel-store.ts';
import { parseMultipart } from './multipart.ts';
import type { RateLimiter } from './rate-limit.ts';
import { GENEROUS } from './rate-limit.ts';
import { discordError, matchRoute, type Route, type RouteResult } from './router.ts';
import type { IdSource } from './snowflake.ts';
import type { RequestRecord, ViolationSink } from './types.ts';

const API_PREFIX = '/api/v10';

interface ParsedBody {
  body: unknown;
  files: StoredAttachment[];
}

/**
 * The HTTP side: every request goes prefix → route → auth → (injected) rate limit → body → handler, and every
 * response is JSON with X-RateLimit-* headers. WebSocket upgrades on the same port go to the gateway.
 */
export function createHttpServer(deps: {
  routes: Route[];
  botToken: string;
  limiter: RateLimiter;
  ids: IdSource;
  clock: () => number;
  violation: ViolationSink;
  requests: RequestRecord[];
  /** While it answers true for a request, Discord is "down" for it: 503, as Cloudflare answers in an outage. */
  outage: (method: string, path: string) => boolean;
  onUpgrade: (request: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void;
}) {
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      // An exception here is an emulator bug; surface it as a violation so the test fails with the reason.
      deps.violation(`emulator error on ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`);
      if (!res.headersSent) send(res, { status: 500, body: { code: 0, message: '500: Internal Server Error' } }, {});
    });
  });
  server.on('upgrade', deps.onUpgrade);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const segments = url.pathname.startsWith(`${API_PREFIX}/`)
      ? url.pathname.slice(API_PREFIX.length).split('/').filter(Boolean).map(safeDecode)
      : undefined;
    const path = segments ? `/${segments.join('/')}` : url.pathname;
    const reply = (result: RouteResult, headers: Record<string, string> = {}) => {
      deps.requests.push({ method, path, status: result.status, at: deps.clock() });
      send(res, result, headers);
    };

    // Even answers that never reach a route carry rate-limit headers, as Discord's do.
    const unrouted = () => deps.limiter.peek('unrouted', 'global', GENEROUS);
    if (!segments) {
      deps.violation(`${method} ${url.pathname}: not under ${API_PREFIX}`);
      return reply(discordError(404, 0, '404: Not Found'), unrouted());
    }
    const match = matchRoute(deps.routes, method, segments);
    if (!match.route) {
      deps.violation(`${method} ${path}: ${match.methodMismatch ? 'method not allowed' : 'no such route in the emulator'}`);
      return reply(match.methodMismatch ? discordError(405, 0, '405: Method Not Allowed') : discordError(404, 0, '404: Not Found'), unrouted());
    }
    const { route, params } = match;
    const label = `${method} ${route.template}`;
    const routeKey = label;
    const major = route.major?.(params) ?? 'global';

    if (route.auth === 'bot' && req.headers.authorization !== `Bot ${deps.botToken}`) {
      deps.violation(`${label}: Authorization header is not "Bot <token>" with the emulator's token`);
      return reply(discordError(401, 0, '401: Unauthorized'), deps.limiter.peek(routeKey, major, route.bucket));
    }

    if (deps.outage(method, path)) return reply({ status: 503, body: { message: 'upstream connect error', code: 0 } }, {});
    const injected = deps.limiter.takeInjected(method, path, routeKey, route.bucket);
    if (injected) return reply({ status: 429, body: injected.body }, injected.headers);
    const decision = deps.limiter.take(routeKey, major, route.bucket);
    if (!decision.ok) return reply({ status: 429, body: decision.body }, decision.headers);

    let parsed: ParsedBody;
    try {
      parsed = parseBody(raw, req.headers['content-type'] ?? '', deps.ids);
    } catch (error) {
      deps.violation(`${label}: body is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      return reply(discordError(400, 50109, 'The request body contains invalid JSON.'), decision.headers);
    }
    const result = route.handle({
      method,
      path,
      params,
      query: url.searchParams,
      body: parsed.body,
      files: parsed.files,
      violation: (message) => deps.violation(`${label}: ${message}`),
    });
    reply(result, decision.headers);
  }

  return {
    async listen(): Promise<number> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as AddressInfo).port;
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, result: RouteResult, headers: Record<string, string>): void {
  // Discord answers JSON with this header, and discord.js decides how to parse by it; a 204 has no body and so no
  // Content-Type (discord.js would try to parse the empty body as JSON otherwise).
  if (result.status === 204 || result.body === undefined) {
    res.writeHead(result.status, headers);
    res.end();
    return;
  }
  res.writeHead(result.status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(result.body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** JSON, or multipart/form-data with `payload_json` plus `files[n]` parts (what discord.js sends with attachments). */
function parseBody(raw: Buffer, contentType: string, ids: IdSource): ParsedBody {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (contentType.toLowerCase().startsWith('multipart/form-data')) {
    const parts = parseMultipart(raw, contentType);
    const payload = parts.find((p) => p.name === 'payload_json');
    const files = parts
      .filter((p) => p.filename !== undefined)
      .map((p) => ({ id: ids(), filename: p.filename!, size: p.data.length, ...(p.contentType ? { content_type: p.contentType } : {}) }));
    return { body: payload ? JSON.parse(payload.data.toString('utf8')) : {}, files };
  }
  return { body: JSON.parse(raw.toString('utf8')), files: [] };
}
