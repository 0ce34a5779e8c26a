import type { Context } from 'hono';

type NodeBindings = { incoming?: { socket?: { remoteAddress?: string } } } | undefined;

/**
 * The address the request's connection comes from, as @hono/node-server's getConnInfo reads it ('unknown' when the
 * app answers a Request without a socket, as tests do with app.request). X-Forwarded-For is not read: any client can
 * write it, and backstop has no setting that names a proxy to trust. Behind a reverse proxy every client therefore
 * shares the proxy's address, for the refusal audit and for the brake alike.
 */
export function sourceAddress(c: Context): string {
  const bindings = c.env as NodeBindings | { server?: NodeBindings };
  const node = (bindings && 'server' in bindings ? bindings.server : bindings) as NodeBindings;
  const address = node?.incoming?.socket?.remoteAddress;
  if (!address) return 'unknown';
  // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; one client should have one name.
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

/**
 * What per-source limits count by: an IPv4 address, or an IPv6 address's /64, since one host commonly holds a whole
 * /64 and could otherwise step past any per-address limit by changing its low bits.
 */
export function sourceKey(address: string): string {
  if (!address.includes(':')) return address;
  const bare = address.split('%')[0]!;
  const [head = '', tail] = bare.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
