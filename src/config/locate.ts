import { isAlias, isCollection, isMap, isScalar, isSeq, type Document, type LineCounter, type Pair } from 'yaml';
import type { ConfigPath, ConfigProblem } from './config-problem.ts';

export interface Position {
  line: number;
  column: number;
}

interface Step {
  node: unknown;
  // The mapping entry that holds the node: its key is what a person reads as the node's name.
  pair?: Pair;
}

const offsetOf = (node: unknown): number | undefined => (node as { range?: [number, number, number] } | null)?.range?.[0];

// An empty value or a block collection starts where nothing is written; its key is where a person looks.
const pointsAtKey = (node: unknown): boolean =>
  node === null || node === undefined || (isCollection(node) && !node.flow) || (isScalar(node) && node.value === null && node.source === '');

// The nodes along `path`, as far as the file has them (a default the file leaves out stops the walk early).
function walk(doc: Document, path: ConfigPath): Step[] {
  const steps: Step[] = [{ node: doc.contents }];
  for (const key of path) {
    let node = steps.at(-1)!.node;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(key));
      if (!pair) break;
      steps.push({ node: pair.value, pair });
    } else if (isSeq(node) && typeof key === 'number' && key < node.items.length) {
      steps.push({ node: node.items[key] });
    } else break;
  }
  return steps;
}

/** The line and column (1-based) a problem points at: an unknown key's key, a wrong value, or the mapping that lacks a key. */
export function locate(doc: Document, lines: LineCounter, problem: Pick<ConfigProblem, 'path' | 'at'>): Position {
  const steps = walk(doc, problem.path);
  const found = steps.length === problem.path.length + 1;
  const { node, pair } = steps.at(-1)!;
  const wantsKey = !found || problem.at !== 'value' || pointsAtKey(node);
  const offset = (wantsKey && pair ? offsetOf(pair.key) : undefined) ?? offsetOf(node);
  if (offset === undefined) return { line: 1, column: 1 };
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}
