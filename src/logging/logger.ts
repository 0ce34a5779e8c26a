import pino, { type Logger } from 'pino';

export type { Logger };

// Credentials never reach the logs: token-bearing fields are censored and credentials inside URLs are masked.
const REDACT_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'DISCORD_TOKEN',
  '*.DISCORD_TOKEN',
];

const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/\s:@]*)(:[^/\s@]*)?@/gi;

export function maskUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, (_m, scheme: string) => `${scheme}***@`);
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskUrlCredentials(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level: string;
  pretty?: boolean;
  name?: string;
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name ?? 'backstop',
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { log: (obj) => maskDeep(obj) as Record<string, unknown> },
      serializers: {
        err: (err: Error) => ({
          type: err.name,
          message: maskUrlCredentials(err.message ?? ''),
          code: (err as { code?: unknown }).code,
          stack: err.stack ? maskUrlCredentials(err.stack) : undefined,
        }),
      },
      ...(options.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
    },
    options.destination,
  );
}
