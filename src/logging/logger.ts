import { createRequire } from 'node:module';
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
  /** Where pino-pretty is installed, or null; by default looked up next to this module. */
  locatePretty?: () => string | null;
}

// pino-pretty is a development dependency: a production install has none, and pino would throw at startup.
function locatePrettyNextToUs(): string | null {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    return null;
  }
}

// Pretty output is formatted in this thread, not in pino's transport worker: pino is bundled into dist/, and a transport
// worker is a file pino loads by path. It is for a person at a terminal (LOG_PRETTY, the demo), never for production, so
// it is written synchronously: nothing is lost when the process exits.
function prettyStream(path: string | null, destination: pino.DestinationStream | undefined): pino.DestinationStream | undefined {
  if (!path || destination) return destination;
  const build = createRequire(import.meta.url)(path) as (options: { colorize: boolean; sync: boolean }) => pino.DestinationStream;
  return build({ colorize: true, sync: true });
}

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ? (options.locatePretty ?? locatePrettyNextToUs)() : null;
  const logger = pino(
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
    },
    // A destination given by the caller wins over pretty output.
    prettyStream(pretty, options.destination),
  );
  if (options.pretty && !pretty) logger.warn('LOG_PRETTY is set but pino-pretty is not installed (it is a development dependency): logging JSON');
  return logger;
}
