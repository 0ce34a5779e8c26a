import { callApi } from '../cli/call-api.ts';
import { EXIT } from '../cli/exit-codes.ts';
import type { Terminal } from '../cli/terminal.ts';
import { createTerminal } from '../cli/terminal.ts';
import { describeFailure } from '../cli/describe-failure.ts';
import { isDatabaseUnavailable } from '../errors/infra.ts';
import { isAppError } from '../errors/app-error.ts';
import { askGate } from '../freeze/ask-gate.ts';
import { grantPass, requestPass } from '../freeze/deploy-pass.ts';
import { parseFreezeDuration } from '../freeze/freeze-duration.ts';
import { freezeLine, gateText } from '../freeze/gate-words.ts';
import type { GateVerdict } from '../freeze/judge-gate.ts';
import { listFreezes } from '../freeze/list-freezes.ts';
import { liftFreeze, setFreeze } from '../freeze/set-freeze.ts';
import { freezeBody } from '../http/routes/freezes.ts';
import { passBody } from '../http/routes/gate.ts';
import { AppError } from '../errors/app-error.ts';
import { cliActor, type WhoOptions } from './cli-rollback-actions.ts';
import { withCore, type OutputOptions } from './cli-run.ts';
import { DEFAULT_DATABASE_URL } from './env.ts';

// What `backstop gate`, `freeze` and `pass` do, loaded only when one runs (cli-gate.ts declares them).

interface GateQuestion {
  service: string;
  environment: string;
  version: string;
}

interface GateOptions extends OutputOptions {
  commit?: string;
  url?: string;
}

const printVerdict = (term: Terminal, verdict: GateVerdict & { text?: string }, json: boolean | undefined) => {
  if (json) term.json(verdict);
  else term.out.line(verdict.text ?? gateText(verdict));
  return verdict.decision === 'allow' ? EXIT.OK : EXIT.ERROR;
};

/** A failure that means "backstop could not decide", as distinct from "the answer is no" and "the question is wrong". */
const undecided = (err: unknown) => isDatabaseUnavailable(err) || (isAppError(err) && err.code === 'DATABASE_UNAVAILABLE');

export async function gate(question: GateQuestion, opts: GateOptions): Promise<void> {
  const url = opts.url ?? process.env.BACKSTOP_URL;
  if (url) {
    process.exitCode = await gateOverHttp(url, question, opts);
    return;
  }
  await withCore('cli', async (deps, term) => {
    try {
      return printVerdict(term, await askGate(deps, { ...question, commit: opts.commit }), opts.json);
    } catch (err) {
      if (!undecided(err)) throw err;
      term.err.line(`undecided: ${describeFailure(err, process.env.DATABASE_URL || DEFAULT_DATABASE_URL)}`);
      return EXIT.UNDECIDED;
    }
  });
}

async function gateOverHttp(base: string, question: GateQuestion, opts: GateOptions): Promise<number> {
  const term = createTerminal({ stdout: process.stdout, stderr: process.stderr, env: process.env });
  const call = await callApi(base, '/api/gate', { query: { ...question, commit: opts.commit } });
  if (!call.ok) {
    // Not reached is undecided, as any outage is; a malformed --url is a mistake to fix.
    term.err.line(`${call.problem === 'unreachable' ? 'undecided' : 'error'}: ${call.message}`);
    return call.problem === 'unreachable' ? EXIT.UNDECIDED : EXIT.ERROR;
  }
  const body = call.body as (GateVerdict & { text: string }) | { error?: { code?: string; message?: string } } | null;
  if (call.status === 200 && body && 'decision' in body) return printVerdict(term, body, opts.json);
  const error = body && 'error' in body ? body.error : undefined;
  const line = `${error?.code ?? `HTTP ${call.status}`}: ${error?.message ?? call.statusText}`;
  if (opts.json && body) term.json(body);
  // 5xx and 429: backstop is there but cannot answer now; anything else is a question to fix (token, service).
  if (call.status >= 500 || call.status === 429) {
    term.err.line(`undecided: ${line}`);
    return EXIT.UNDECIDED;
  }
  term.err.line(`error: ${line}`);
  return EXIT.ERROR;
}

export const freezeSet = (what: { service: string; environment: string; duration: string }, opts: WhoOptions & OutputOptions & { reason: string }) =>
  withCore('cli', async (deps, term) => {
    const durationMs = parseFreezeDuration(what.duration);
    if (durationMs === undefined) throw new AppError('VALIDATION_FAILED', `duration: expected a duration such as 30m, 2h or 3d (at most 30d), got "${what.duration}"`);
    const row = await setFreeze(deps, cliActor(opts), { service: what.service, environment: what.environment, durationMs, reason: opts.reason });
    if (opts.json) return void term.json(freezeBody(row));
    term.out.line(`frozen: ${row.service} in ${row.environment} until ${row.endsAt.toISOString()} (freeze ${row.freezeId}); rollbacks to the known-good version still go through`);
    term.out.line(term.out.color.dim(`  lift it early: backstop freeze lift ${row.freezeId}`));
  });

export const freezeLift = (freezeId: string, opts: WhoOptions & OutputOptions & { reason?: string }) =>
  withCore('cli', async (deps, term) => {
    const row = await liftFreeze(deps, cliActor(opts), freezeId, opts.reason ?? null);
    if (opts.json) return void term.json(freezeBody(row));
    term.out.line(`lifted: freeze ${row.freezeId} of ${row.service} in ${row.environment}`);
  });

export const freezeList = (opts: OutputOptions & { service?: string; environment?: string }) =>
  withCore('cli', async (deps, term) => {
    const frozen = await listFreezes(deps, opts);
    if (opts.json) return void term.json({ frozen });
    if (frozen.length === 0) return void term.out.line('nothing is frozen');
    for (const pair of frozen) {
      term.out.line(`${pair.service} in ${pair.environment}:`);
      for (const f of pair.freezes) term.out.line(`  - ${freezeLine(f)}${f.kind === 'manual' ? ` [${f.id}]` : ''}`);
    }
  });

export const passRequest = (what: { service: string; environment: string; version: string }, opts: WhoOptions & OutputOptions & { reason: string }) =>
  withCore('cli', async (deps, term) => {
    const row = await requestPass(deps, cliActor(opts), { ...what, reason: opts.reason });
    if (opts.json) return void term.json(passBody(row));
    term.out.line(`pass ${row.passId} asked for: ${row.service} ${row.version} to ${row.environment}; a second person grants it with \`backstop pass grant ${row.passId}\` before ${row.expiresAt.toISOString()}`);
  });

export const passGrant = (passId: string, opts: WhoOptions & OutputOptions) =>
  withCore('cli', async (deps, term) => {
    const row = await grantPass(deps, cliActor(opts), passId);
    if (opts.json) return void term.json(passBody(row));
    term.out.line(`pass ${row.passId} granted: ${row.service} ${row.version} may deploy to ${row.environment} once, before ${row.expiresAt.toISOString()}`);
  });
