// The CLI's exit codes, one meaning each, so a script can tell "it failed" from "it was refused" from "I stopped
// waiting". --help prints EXIT_CODES_HELP; the README's table is the same list.
export const EXIT = {
  OK: 0,
  /** Bad input, not found, the database or the queue unreachable, anything unexpected. */
  ERROR: 1,
  /** The environment or the policy file is invalid (nothing was done). */
  CONFIG: 2,
  /** Refused by the state of things: already in progress, already decided, too late to cancel. */
  CONFLICT: 3,
  /** Refused by the constitution (violations, no override). */
  VIOLATION: 4,
  /** --wait: the rollback ended, and not in success (failed, rejected, expired or cancelled). */
  NOT_SUCCEEDED: 5,
  /** --wait --timeout: still running when the time was up (it goes on). */
  TIMEOUT: 6,
  /** `backstop gate`: the gate could not decide (backstop or its database unreachable). CI chooses: fail closed or open. */
  UNDECIDED: 7,
  /** Ctrl-C while waiting (128 + SIGINT, as shells report it; the rollback goes on). */
  INTERRUPTED: 130,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0    done (with --wait: the rollback succeeded)
  1    error: bad input, not found, database or queue unreachable
  2    the environment or the policy file is invalid
  3    refused: already in progress, already decided, too late to cancel
  4    refused by the constitution (violations without an override)
  5    --wait: the rollback ended failed, rejected, expired or cancelled
  6    --wait --timeout: still going when the time was up (the rollback goes on)
  7    gate: backstop could not decide (it or its database is unreachable); fail closed or open as you choose
  130  Ctrl-C while waiting (the rollback goes on)`;

export const GATE_EXIT_HELP = `
Exit codes:
  0    allowed: deploy
  1    denied: a freeze holds (every reason is printed), or the question is wrong (unknown service, bad token)
  2    the environment or the policy file is invalid
  7    backstop could not decide: it or its database is unreachable. To fail open on it: backstop gate … || [ $? -eq 7 ]`;
