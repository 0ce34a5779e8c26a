import pino from 'pino';

export interface LogRecord {
  level: number;
  time: number;
  msg: string;
  eventId?: string;
  [key: string]: unknown;
}

export interface LogCapture {
  /** The logger's level: the lower of what is printed and what is kept. */
  level: string;
  destination: pino.DestinationStream;
  records: LogRecord[];
}

/**
 * Keeps every record at `keepLevel` and above in memory, and prints those at `printLevel` and above as before. A test
 * waits on what the process says it did (a delivery given up, a sweep re-sending) rather than on a guess of how long
 * that takes.
 */
export function captureLogs(printLevel: string, keepLevel: pino.Level): LogCapture {
  const records: LogRecord[] = [];
  const keep = { write: (line: string) => void records.push(JSON.parse(line) as LogRecord) };
  const streams: pino.StreamEntry[] = [{ level: keepLevel, stream: keep }];
  if (printLevel !== 'silent') streams.push({ level: printLevel as pino.Level, stream: process.stdout });
  const level = printLevel === 'silent' || pino.levels.values[keepLevel]! < pino.levels.values[printLevel]! ? keepLevel : printLevel;
  return { level, destination: pino.multistream(streams), records };
}
