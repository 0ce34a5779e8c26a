import { callApi } from '../cli/call-api.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { createTerminal, type Terminal } from '../cli/terminal.ts';
import type { AppError } from '../errors/app-error.ts';
import { alreadyLabelledBody, falseAlarmBody } from '../http/routes/decisions.ts';
import { labelFalseAlarm, requireDecisionId } from '../monitor/label-false-alarm.ts';
import { standingWords } from '../monitor/rule-precision.ts';
import { cliActor, type WhoOptions } from './cli-rollback-actions.ts';
import { withCore, type OutputOptions } from './cli-run.ts';

// What `backstop decision …` does, loaded only when one runs (cli-decision.ts declares it).

interface FalseAlarmOptions extends WhoOptions, OutputOptions {
  reason?: string;
  url?: string;
}

type Marked = ReturnType<typeof falseAlarmBody>;
type Refused = ReturnType<typeof alreadyLabelledBody>;

function printMarked(term: Terminal, body: Marked): number {
  term.out.line(`marked decision ${body.decision_id} as a false alarm: ${body.service}/${body.environment}`);
  const width = Math.max(...body.rules.map((r) => r.rule.length));
  for (const r of body.rules) {
    const record = standingWords({ decisions: r.decisions, falseAlarms: r.false_alarms, precision: r.precision });
    const news = body.newly_demoted.includes(r.rule) ? term.out.color.yellow('  now proposes instead of rolling back automatically') : '';
    term.out.line(`  ${r.rule.padEnd(width)}  ${record}${news}`);
  }
  return EXIT.OK;
}

function printAlready(term: Terminal, body: Refused, json: boolean | undefined): number {
  if (json) term.json(body);
  term.err.line(body.error.message);
  return EXIT.CONFLICT;
}

export async function falseAlarm(decisionId: string, opts: FalseAlarmOptions): Promise<void> {
  const url = opts.url ?? process.env.BACKSTOP_URL;
  if (url) {
    process.exitCode = await overHttp(url, decisionId, opts);
    return;
  }
  await withCore('cli', async (deps, term) => {
    const outcome = await labelFalseAlarm(deps, cliActor(opts), { decisionId: requireDecisionId(decisionId), reason: opts.reason ?? null });
    if (outcome.kind === 'already') return printAlready(term, alreadyLabelledBody(outcome.label), opts.json);
    const body = falseAlarmBody(outcome);
    if (opts.json) {
      term.json(body);
      return EXIT.OK;
    }
    return printMarked(term, body);
  });
}

/** The same question put to a running backstop: the token says who is asking, so --as has no say. */
async function overHttp(base: string, decisionId: string, opts: FalseAlarmOptions): Promise<number> {
  const term = createTerminal({ stdout: process.stdout, stderr: process.stderr, env: process.env });
  const fail = (line: string) => {
    term.err.line(`error: ${line}`);
    return EXIT.ERROR;
  };
  if (opts.as || opts.name) return fail('--as and --name name who you are to the database; over the API the token (BACKSTOP_TOKEN) says who you are');
  let id: number;
  try {
    id = requireDecisionId(decisionId);
  } catch (err) {
    return fail((err as AppError).message);
  }
  const call = await callApi(base, `/api/decisions/${id}/false-alarm`, { method: 'POST', body: opts.reason === undefined ? {} : { reason: opts.reason } });
  if (!call.ok) return fail(call.message);
  const body = call.body as (Marked & Refused) | null;
  if (call.status === 201 && body) {
    if (opts.json) {
      term.json(body);
      return EXIT.OK;
    }
    return printMarked(term, body);
  }
  if (call.status === 409 && body?.decision_id !== undefined) return printAlready(term, body, opts.json);
  if (opts.json && body) term.json(body);
  return fail(`${body?.error?.code ?? `HTTP ${call.status}`}: ${body?.error?.message ?? call.statusText}`);
}
