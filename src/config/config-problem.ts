export type ConfigPath = ReadonlyArray<string | number>;

/** The value at `path` in what the YAML parsed to, or undefined where the file does not have it. */
export const valueAt = (input: unknown, path: ConfigPath): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), input);

/** A value `config check` may print: a scalar, shortened and never one that may be a secret. */
export type ShownValue = string | number | boolean | null;

/** One thing wrong with a policy file, before it is given a line and a column. */
export interface ConfigProblem {
  path: ConfigPath;
  message: string;
  /** What a position points at: the key (an unknown key), its value, or the mapping that lacks a required key. */
  at: 'key' | 'value' | 'parent';
  /** The valid choices: an enum's values, a union's kinds, a mapping's keys. */
  expected?: readonly string[];
  /** The choice a mistyped word most likely meant. */
  suggestion?: string;
}
