import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface Listening {
  server: Server;
  /** Stops accepting, lets requests in flight finish, and closes every kept-alive connection as soon as it is idle. */
  close(): Promise<void>;
}

export async function listen(app: Pick<Hono, 'fetch'>, at: { hostname: string; port: number }): Promise<Listening> {
  // Node closes an idle kept-alive connection after 5 s, and a client that reuses it in that instant (a proxy's pool,
  // or fetch on a busy machine) gets ECONNRESET for a request that never arrived. Load balancers keep idle
  // connections for 60 s (AWS ALB's default), so we wait longer than they do and their idle timers expire first.
  // The headers timer stays above it, so it is never the one that cuts an idle connection.
  const serverOptions = { keepAliveTimeout: 65_000, headersTimeout: 66_000 };
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: at.hostname, port: at.port, serverOptions }, () => resolve(s as Server));
    // A port already taken is an operator's mistake, not a crash: say which port, and let the caller exit cleanly.
    s.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : err.code === 'EACCES' ? 'needs privileges this process does not have' : `failed (${err.message})`;
      reject(Object.assign(new Error(`cannot listen on ${at.hostname}:${at.port}: the port ${why}`), { code: err.code }));
    });
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        // close() ends the connections idle at that moment, not one that goes idle after answering a request in flight;
        // that one would hold shutdown for the whole keep-alive timeout. Sweep until the last has gone.
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
      }),
  };
}
