import { stripVTControlCharacters } from 'node:util';
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

/** One output stream as the CLI writes to it: whole lines, colours only where they will be seen as colours. */
export interface Screen {
  color: Colors;
  /** A terminal: one status line may be redrawn in place. Piped output gets whole lines only. */
  live: boolean;
  /** The terminal's width, or undefined when piped (then text is cut at fixed widths). */
  columns: number | undefined;
  line(text?: string): void;
  /** Redraws the one transient status line (live screens only; '' clears it). */
  redraw(text: string): void;
}

export interface Terminal {
  out: Screen;
  err: Screen;
  /** The machine answer of --json: one JSON document on stdout, exactly the HTTP API's body. */
  json(value: unknown): void;
}

type Stream = Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean; columns?: number };
type ColorEnv = Record<string, string | undefined>;

/**
 * Colours follow the usual conventions: NO_COLOR turns them off, FORCE_COLOR on (FORCE_COLOR=0 off), and otherwise a
 * terminal gets them and a pipe does not. Decided here rather than by picocolors' own check, which also turns them
 * on for any CI=… even when the output is piped into a file or another program.
 */
export function wantsColor(stream: Stream, env: ColorEnv): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return !['0', 'false'].includes(env.FORCE_COLOR);
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export function createScreen(stream: Stream, env: ColorEnv): Screen {
  const live = Boolean(stream.isTTY) && env.TERM !== 'dumb';
  let transient = false;
  const clear = () => {
    if (transient) stream.write('\r\x1b[2K');
    transient = false;
  };
  return {
    color: pc.createColors(wantsColor(stream, env)),
    live,
    columns: live ? stream.columns : undefined,
    line(text = '') {
      clear();
      stream.write(`${text}\n`);
    },
    redraw(text) {
      if (!live) return;
      clear();
      if (!text) return;
      // Never wider than the terminal: a wrapped line cannot be redrawn in place.
      const width = stream.columns ?? 80;
      const plain = stripVTControlCharacters(text);
      stream.write(plain.length >= width ? `${plain.slice(0, width - 2)}…` : text);
      transient = true;
    },
  };
}

export function createTerminal(io: { stdout: Stream; stderr: Stream; env: ColorEnv }): Terminal {
  const out = createScreen(io.stdout, io.env);
  return {
    out,
    err: createScreen(io.stderr, io.env),
    json: (value) => out.line(JSON.stringify(value, null, 2)),
  };
}
