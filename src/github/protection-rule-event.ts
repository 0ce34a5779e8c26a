import { z } from 'zod';
import { formatIssues } from '../config/format-issues.ts';

// The parts of GitHub's deployment_protection_rule webhook event backstop reads. GitHub sends many more fields
// (pull_requests, organization, sender, the whole repository object): they are kept, not checked.

const CommitShaSchema = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i, 'expected a commit SHA (40 or 64 hex digits)');

const DeploymentSchema = z.looseObject({
  id: z.number().int(),
  environment: z.string().optional(),
  sha: CommitShaSchema.optional(),
  ref: z.string().optional(),
  task: z.string().optional(),
});

export const ProtectionRuleEventSchema = z.looseObject({
  action: z.string(),
  /** The environment the job targets: answered back as environment_name. */
  environment: z.string().min(1),
  /** What started the workflow run: push, workflow_dispatch, schedule, … */
  event: z.string().min(1),
  sha: CommitShaSchema.optional(),
  ref: z.string().min(1).optional(),
  deployment_callback_url: z.url({ protocol: /^https?$/ }),
  deployment: DeploymentSchema.optional(),
  repository: z.looseObject({ full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected "owner/name"') }),
  installation: z.looseObject({ id: z.number().int().positive() }),
});

type ParsedEvent = z.infer<typeof ProtectionRuleEventSchema>;

/** The event, with the commit and ref it deploys always present (from the deployment when the top level lacks them). */
export type ProtectionRuleEvent = ParsedEvent & { sha: string; ref: string };

export type ProtectionRuleParse =
  | { ok: true; event: ProtectionRuleEvent }
  /**
   * `unsupported`: a well-formed event of an action backstop does not handle (only "requested" exists today), which a
   * receiver acknowledges and ignores; `invalid`: not JSON, or not the shape GitHub documents.
   */
  | { ok: false; kind: 'invalid' | 'unsupported'; problem: string };

/** Parses the raw body of a deployment_protection_rule delivery (after its signature was verified). */
export function parseProtectionRuleEvent(rawBody: string | Uint8Array): ProtectionRuleParse {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody));
  } catch {
    return { ok: false, kind: 'invalid', problem: 'the deployment_protection_rule event is not valid JSON' };
  }
  const parsed = ProtectionRuleEventSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issues = formatIssues(parsed.error).map((e) => `${e.path}: ${e.message}`);
    return { ok: false, kind: 'invalid', problem: `the deployment_protection_rule event is not the documented shape: ${issues.join('; ')}` };
  }
  const event = parsed.data;
  if (event.action !== 'requested') {
    return { ok: false, kind: 'unsupported', problem: `deployment_protection_rule action "${event.action}" is not handled (only "requested")` };
  }
  const sha = event.sha ?? event.deployment?.sha;
  const ref = event.ref ?? event.deployment?.ref;
  if (!sha || !ref) {
    return { ok: false, kind: 'invalid', problem: `the deployment_protection_rule event names no ${sha ? 'ref' : 'commit sha'} (neither at the top level nor in deployment)` };
  }
  return { ok: true, event: { ...event, sha, ref } };
}
