// Numbers as a person reads them on a card: a few significant digits, thousands separated, ratios as "4.1×".

const sig = (x: number, digits = 3) => (Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : String(Number(x.toPrecision(digits))));

export const num = (x: number) => (Number.isFinite(x) ? sig(x) : String(x));

export const count = (x: number) => Math.round(x).toLocaleString('en-US');

export const times = (x: number) => (!Number.isFinite(x) ? 'infinitely many times' : x < 10 ? `${x.toFixed(1)}×` : `${sig(x, 2)}×`);

/** A share as a percentage; `sign` '+' or '±' writes the sign of a change. */
export function pct(x: number, sign: '' | '+' | '±' = ''): string {
  const p = x * 100;
  const text = Math.abs(p) >= 10 ? String(Math.round(p)) : String(Number(p.toPrecision(2)));
  return `${sign && p >= 0 ? '+' : ''}${text}%`;
}

/** "99.5%": the level as exact as alpha makes it (a rounded 100% would claim certainty). */
export const level = (alpha: number) => `${Number(((1 - alpha) * 100).toFixed(3))}%`;

/** "99.5% interval 1.5–11×". */
export const interval = (alpha: number, lower: string, upper: string) => `${level(alpha)} interval ${lower}–${upper}`;
