import type { MiddlewareHandler } from 'hono';

/**
 * Every 413 goes out with `Connection: close`, and Node closes the socket once it is written. A 413 is answered before
 * the body is read; on a kept-alive connection @hono/node-server would try to drain the rest, give up after about
 * 500 ms and destroy the socket under the client's next request (ECONNRESET). Closing tells the client to reconnect.
 */
export const closeOnTooLarge: MiddlewareHandler = async (c, next) => {
  await next();
  if (c.res.status === 413) c.res.headers.set('connection', 'close');
};
