import { describe, expect, it } from 'vitest';
import { createScreen, wantsColor } from '../../../src/cli/terminal.ts';

const stream = (isTTY: boolean) => {
  const written: string[] = [];
  return { written, isTTY, columns: 40, write: (s: string) => Boolean(written.push(s)) };
};

describe('wantsColor', () => {
  const cases: Array<[boolean, Record<string, string>, boolean]> = [
    [true, {}, true],
    [false, {}, false],
    // picocolors alone would colour this one: a CI runner's log is a pipe, not a terminal.
    [false, { CI: 'true' }, false],
    [true, { TERM: 'dumb' }, false],
    [false, { FORCE_COLOR: '1' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { NO_COLOR: '1' }, false],
    [false, { NO_COLOR: '1', FORCE_COLOR: '1' }, false],
  ];
  it.each(cases)('a terminal: %s, env %j → %s', (isTTY, env, expected) => {
    expect(wantsColor(stream(isTTY), env)).toBe(expected);
  });
});

describe('a screen', () => {
  it('piped: whole lines only, the live status line never written', () => {
    const s = stream(false);
    const screen = createScreen(s, { FORCE_COLOR: '1' });
    screen.redraw('⠋ running · 1.0s elapsed');
    screen.line('execute done');
    expect(s.written).toEqual(['execute done\n']);
  });

  it('a terminal: the status line is redrawn in place, cleared before a line, and cut to the width', () => {
    const s = stream(true);
    const screen = createScreen(s, {});
    screen.redraw('x'.repeat(50));
    screen.line('execute done');
    expect(s.written).toEqual([`${'x'.repeat(38)}…`, '\r\x1b[2K', 'execute done\n']);
  });
});
