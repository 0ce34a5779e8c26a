import type pg from 'pg';

/** One statement a pool sent, with its parameters (so a benchmark can EXPLAIN exactly what ran). */
export interface SentStatement {
  text: string;
  values: unknown[];
  /** performance.now() when it was sent and when its answer came back (a timeline for benchmarks). */
  sentAt: number;
  answeredAt?: number;
}

/**
 * Counts the SQL statements a pool sends (BEGIN and COMMIT included), by wrapping each client's query as the pool
 * connects it. Attach before the pool's first query: a client connected earlier is not seen.
 */
export interface StatementCounter {
  /** Their texts, whitespace collapsed. */
  readonly statements: string[];
  /** The same statements with their parameters. */
  readonly sent: SentStatement[];
  reset(): void;
  /** While false, statements are sent but not kept (a benchmark measuring memory keeps nothing of its own). */
  recording: boolean;
}

export function countStatements(pool: pg.Pool): StatementCounter {
  const counter = {
    statements: [] as string[],
    sent: [] as SentStatement[],
    reset: () => {
      counter.statements.length = 0;
      counter.sent.length = 0;
    },
    recording: true,
  };
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const [first, second] = args;
      const config = typeof first === 'object' && first !== null ? (first as { text?: string; values?: unknown[] }) : undefined;
      const text = typeof first === 'string' ? first : config?.text;
      const values = Array.isArray(second) ? second : (config?.values ?? []);
      if (text && counter.recording) {
        const flat = text.replace(/\s+/g, ' ').trim();
        counter.statements.push(flat);
        // The text as sent: flattening it would let a -- comment swallow the rest of the statement.
        const entry: SentStatement = { text, values, sentAt: performance.now() };
        counter.sent.push(entry);
        const answered = () => (entry.answeredAt = performance.now());
        // pool.query passes a callback; a checked-out client's query returns a promise.
        const last = args.at(-1);
        if (typeof last === 'function') {
          return query(...args.slice(0, -1), (...cb: unknown[]) => (answered(), (last as (...a: unknown[]) => unknown)(...cb)));
        }
        const result = query(...args);
        if (result instanceof Promise) void result.then(answered, answered);
        return result;
      }
      return query(...args);
    };
  });
  return counter;
}
