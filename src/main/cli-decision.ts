import type { Command } from 'commander';

// The decision commands as --help shows them; their work loads only when one runs.
const actions = () => import('./cli-decision-actions.ts');

const FALSE_ALARM_HELP = `
The decision id is on the warning's or the proposal's Discord card, and in the API's answer to a pushed health sample
(decision.decision_id) or an Alertmanager alert. Each rule that fired in the decision loses precision; an automatic rule
that falls below monitoring.false_alarms.demote_below proposes from its next firing on, and the channel is told.

Without --url it writes to the database (DATABASE_URL) with the policy file, as the other commands do; with --url (or
BACKSTOP_URL) it asks a running backstop's API with the token in BACKSTOP_TOKEN (approver or override role).

Exit codes:
  0    marked
  1    error: bad input, no such decision, the database or backstop unreachable
  2    the environment or the policy file is invalid
  3    already marked as a false alarm (it counts once)`;

export function registerDecisionCommands(program: Command): void {
  const decision = program.command('decision').description("the monitor's health decisions: warnings, proposals and automatic rollbacks");
  decision
    .command('false-alarm')
    .description('mark a decision as a false alarm: it lowers the precision of the rules that fired')
    .argument('<decision_id>')
    .option('-r, --reason <text>', 'why it was a false alarm (1–1000 characters)')
    .option('--as <id>', 'who you are (recorded in the audit log)')
    .option('--name <name>', 'display name')
    .option('--url <url>', "ask a running backstop's API (default: $BACKSTOP_URL; the token comes from $BACKSTOP_TOKEN)")
    .option('--json', 'print the body of POST /api/decisions/{decision_id}/false-alarm instead of text')
    .addHelpText('after', FALSE_ALARM_HELP)
    .action(async (decisionId: string, opts) => (await actions()).falseAlarm(decisionId, opts));
}
