/**
 * The global fetch, looked up when a request is made. Node defines globalThis.fetch as a getter that loads undici, its
 * HTTP client, on first access: reading it while a role starts (to hand it to the sources, executors and the GitHub
 * App) cost every start about 50 ms of CPU, for a client most starts never use before they listen.
 */
export const fetchWhenUsed: typeof fetch = (input, init) => globalThis.fetch(input, init);
