import { LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { valueAt, type ConfigProblem, type ShownValue } from './config-problem.ts';
import { describeConfigIssue } from './describe-config-issue.ts';
import { pathOf } from './format-issues.ts';
import { buildConfig, type Config } from './load.ts';
import { locate } from './locate.ts';
import { ConfigSchema } from './schema.ts';
import { showValue, type Shown } from './shown-value.ts';
import { validateConfig } from './validate-config.ts';

/** One error in a policy file, where a compiler or an editor would put it. */
export interface ConfigDiagnostic {
  line: number;
  column: number;
  /** The setting, as `services.payments.executor.kind`; empty for a YAML syntax error. */
  path: string;
  message: string;
  value?: ShownValue;
  expected?: string[];
  suggestion?: string;
}

export type ConfigCheck = { ok: true; config: Config } | { ok: false; errors: ConfigDiagnostic[] };

// yaml's words for the slips people make most, with what to do about them.
const YAML_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'a tab in the indentation: YAML indents with spaces only',
  BLOCK_AS_IMPLICIT_KEY: 'a line is indented deeper than the key above it (or a colon lacks the space after it)',
  MULTILINE_IMPLICIT_KEY: 'a key runs over more than one line: a line indented deeper than the key above it, or a colon without a space after it',
};

function syntaxError(e: YAMLError, text: string, lines: LineCounter): ConfigDiagnostic {
  const { line, col } = lines.linePos(e.pos[0]);
  const duplicate = e.code === 'DUPLICATE_KEY' ? /^[^:\n]*/.exec(text.slice(e.pos[0]))?.[0].trim() : undefined;
  const message = duplicate ? `the key ${JSON.stringify(duplicate)} appears twice in one mapping` : (YAML_HINTS[e.code] ?? e.message);
  return { line, column: col, path: '', message };
}

// The offending value, which the message echoes unless it already does (a schema message such as a duration's says
// what it got) or it may be a secret. A missing value has nothing to echo.
function shownFor(problem: ConfigProblem, input: unknown): Shown | undefined {
  if (problem.at === 'parent') return undefined;
  if (problem.at === 'key') {
    const key = String(problem.path.at(-1));
    return { text: JSON.stringify(key), value: key };
  }
  const value = valueAt(input, problem.path);
  return value === undefined ? undefined : showValue(problem.path, value);
}

function render(problem: ConfigProblem, shown: Shown | undefined): string {
  let message = problem.message;
  if (shown?.hidden) return `${message} (the value is not shown: it may be a secret)`;
  const echoed = /\bgot\b/.test(message) || (typeof shown?.value === 'string' && message.includes(shown.text));
  // A scalar is always worth seeing; "a mapping" only where the message asked for something else.
  const worthIt = shown !== undefined && ('value' in shown || message.startsWith('expected '));
  if (shown && worthIt && !echoed) message += `, got ${shown.text}`;
  return problem.suggestion ? `${message}; did you mean "${problem.suggestion}"?` : message;
}

function diagnose(problem: ConfigProblem, doc: Document, lines: LineCounter, input: unknown): ConfigDiagnostic {
  const shown = shownFor(problem, input);
  const hidden = shown?.hidden === true;
  return {
    ...locate(doc, lines, problem),
    path: pathOf(problem.path) || '(root)',
    message: render(problem, shown),
    ...(shown && 'value' in shown ? { value: shown.value } : {}),
    ...(problem.expected ? { expected: [...problem.expected] } : {}),
    ...(problem.suggestion && !hidden ? { suggestion: problem.suggestion } : {}),
  };
}

// At one spot, a missing key (often the consequence: a misspelt key leaves the right one missing) goes last.
const inFileOrder = (a: Ranked, b: Ranked) => a.line - b.line || a.column - b.column || Number(a.missing) - Number(b.missing);
type Ranked = ConfigDiagnostic & { missing: boolean };
const unranked = ({ missing: _, ...d }: Ranked): ConfigDiagnostic => d;

/** `backstop config check`: the file's every error with its line and column, in file order, or the Config it describes. */
export function checkConfigText(text: string): ConfigCheck {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const validated = validateConfig(doc);
  if (validated.ok) return { ok: true, config: buildConfig(validated.raw) };
  if (validated.stage === 'yaml') return { ok: false, errors: validated.errors.map((e) => syntaxError(e, text, lines)).sort((a, b) => a.line - b.line || a.column - b.column) };
  const input = validated.stage === 'schema' ? validated.input : (doc.toJS() as unknown);
  const problems =
    validated.stage === 'schema'
      ? validated.error.issues.flatMap((issue) => describeConfigIssue(issue, { schema: ConfigSchema, input }))
      : validated.problems;
  const ranked = problems.map((p): Ranked => ({ ...diagnose(p, doc, lines, input), missing: p.at === 'parent' }));
  return { ok: false, errors: ranked.sort(inFileOrder).map(unranked) };
}
