// The corpus's only source of chance: one seeded generator, so the same seed gives the same stories and the same table.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(lo: number, hi: number): number;
  /** Uniform on the log scale: traffic and ratios span orders of magnitude. */
  logUniform(lo: number, hi: number): number;
  normal(): number;
  poisson(mean: number): number;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32: 32 bits of state, fast, and good enough for a simulation that needs no cryptography. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  const normal = () => {
    // Box–Muller; 1 − u keeps the logarithm away from 0.
    const u = 1 - next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  const poisson = (mean: number) => {
    if (mean <= 0) return 0;
    // Knuth's product of uniforms is exact and cheap for small means; above 50 the normal approximation is close
    // enough for counts of requests and errors.
    if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = next(); p > limit; p *= next()) k++;
    return k;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    logUniform: (lo, hi) => Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * next()),
    normal,
    poisson,
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}
