import type { GateFacts } from '../db/queries/gate-facts.ts';

// The gate's one judgment: may this version of this service go to this environment now? Pure: the facts, the
// scheduled windows and the clock in, the verdict out. The API, the CLI, GitHub's protection rule, the card and the
// flag on a deployment recorded during a freeze all come from here, so they cannot disagree.

export const FREEZE_KINDS = ['scheduled', 'manual', 'rollback', 'hold', 'alert', 'quarantine'] as const;
export type FreezeKind = (typeof FREEZE_KINDS)[number];

export interface Freeze {
  kind: FreezeKind;
  /** What identifies it: the freeze id, the window's name, the rollback's event id, the hold's id, the alert's fingerprint, the quarantining deployment. */
  id: string;
  reason: string;
  /** Who or what set it. */
  set_by: string;
  since: string | null;
  /** When it ends by itself; null when it ends with its cause (a rollback, a hold, an alert). */
  ends_at: string | null;
  /** When it ends, in words. */
  ends_when: string;
}

export type ExemptionKind = 'rollback_target' | 'known_good' | 'pass';

export interface GateVerdict {
  service: string;
  environment: string;
  version: string;
  commit: string | null;
  decision: 'allow' | 'deny';
  /** Every freeze on the service and environment (or this version) now, whether or not an exemption lets the deploy past. */
  freezes: Freeze[];
  exemption: { kind: ExemptionKind; reason: string; pass_id?: string } | null;
  /** A denied deploy may go ahead from this instant, when every freeze ends by the clock; null when one ends with its cause. */
  may_proceed_at: string | null;
  /** The next scheduled window to begin, so a deploy allowed now knows how long it has. */
  next_window: { name: string; reason: string; starts_at: string; ends_at: string } | null;
  checked_at: string;
}

export interface GateRequest {
  service: string;
  environment: string;
  version: string;
  commit?: string | null | undefined;
}

/** A scheduled window active now, from the policy file's `freezes:`. */
export interface ActiveWindow {
  name: string;
  reason: string;
  startedAt: Date;
  endsAt: Date;
}

export interface ScheduledFreezes {
  active: ActiveWindow[];
  next: { name: string; reason: string; startsAt: Date; endsAt: Date } | null;
  /** The earliest instant at or after `from` outside every window; null when none comes within the schedule's horizon. */
  clearAt(from: Date): Date | null;
}

const iso = (d: Date | string) => new Date(d).toISOString();

/** Every freeze on a service and environment now; with a version, the quarantine of that version too. */
export function freezesOf(facts: GateFacts, scheduled: ScheduledFreezes, version: string | null): Freeze[] {
  const out: Freeze[] = [];
  for (const w of scheduled.active) {
    out.push({ kind: 'scheduled', id: w.name, reason: w.reason, set_by: `policy window ${w.name}`, since: iso(w.startedAt), ends_at: iso(w.endsAt), ends_when: `at ${iso(w.endsAt)}` });
  }
  for (const f of facts.manual) {
    out.push({ kind: 'manual', id: f.freeze_id, reason: f.reason, set_by: f.set_by, since: iso(f.starts_at), ends_at: iso(f.ends_at), ends_when: `at ${iso(f.ends_at)}, or when lifted` });
  }
  for (const r of facts.rollbacks) {
    const to = r.target_version ? ` to ${r.target_version}` : '';
    out.push({
      kind: 'rollback',
      id: r.event_id,
      reason: `rollback of ${r.from_version}${to} is ${r.status.replace('_', ' ')}`,
      set_by: 'backstop',
      since: iso(r.initiated_at),
      ends_at: null,
      ends_when: 'when the rollback ends',
    });
  }
  for (const h of facts.holds) {
    out.push({ kind: 'hold', id: String(h.id), reason: `automation is held: ${h.reason}`, set_by: 'backstop', since: iso(h.created_at), ends_at: null, ends_when: 'when an approver acknowledges the hold' });
  }
  for (const a of facts.alerts) {
    const name = a.alertname ?? a.fingerprint;
    out.push({ kind: 'alert', id: a.fingerprint, reason: `alert ${name} is firing${a.summary ? `: ${a.summary}` : ''}`, set_by: 'Alertmanager', since: iso(a.starts_at), ends_at: null, ends_when: 'when Alertmanager resolves it' });
  }
  if (facts.quarantined_by) {
    out.push({
      kind: 'quarantine',
      id: facts.quarantined_by,
      reason: `version ${version} was rolled back before and is quarantined`,
      set_by: 'backstop',
      since: null,
      ends_at: null,
      ends_when: 'never for this version: deploy a fixed one',
    });
  }
  return out;
}

/** One commit written at two lengths (CI often sends 7 hex digits, GitHub 40): the same when one begins the other. */
export function sameCommit(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const n = Math.min(a.length, b.length);
  return n >= 7 && a.slice(0, n).toLowerCase() === b.slice(0, n).toLowerCase();
}

function exemptionOf(facts: GateFacts, request: GateRequest): GateVerdict['exemption'] {
  // A pass is two people's decision about this exact version: it outranks every freeze, quarantine included.
  if (facts.pass) {
    const p = facts.pass;
    return { kind: 'pass', pass_id: p.pass_id, reason: `let through by ${p.requested_by} and ${p.granted_by}: ${p.reason}` };
  }
  // A quarantined version is never known-good, whatever a rollback's row says.
  if (facts.quarantined_by) return null;
  // With a commit, the build decides (a label can be reused for another build); without one, the version label.
  const isBuild = (version: string | null, commit: string | null) => (request.commit ? sameCommit(commit, request.commit) : version === request.version);
  const target = facts.rollbacks.find((r) => isBuild(r.target_version, r.target_commit));
  if (target) return { kind: 'rollback_target', reason: `${target.target_version ?? request.version} is the known-good version rollback ${target.event_id} restores: rollbacks are never frozen` };
  const good = facts.known_good;
  if (good && isBuild(good.version, good.git_commit)) {
    return { kind: 'known_good', reason: `${good.version} is the known-good version (deployment ${good.deployment_id}): returning to it is never frozen` };
  }
  return null;
}

function mayProceedAt(freezes: Freeze[], scheduled: ScheduledFreezes, now: Date): string | null {
  if (freezes.some((f) => f.ends_at === null)) return null;
  // Freezes set by hand end by their clock and none starts later, so the last of them bounds the wait; a scheduled
  // window may begin as they end, so the schedule says when the way is clear from there.
  let from = now.getTime();
  for (const f of freezes) if (f.kind !== 'scheduled' && f.ends_at) from = Math.max(from, Date.parse(f.ends_at));
  const clear = scheduled.clearAt(new Date(from));
  return clear ? clear.toISOString() : null;
}

export function judgeGate(request: GateRequest, facts: GateFacts, scheduled: ScheduledFreezes, now: Date): GateVerdict {
  const freezes = freezesOf(facts, scheduled, request.version);
  const exemption = freezes.length > 0 ? exemptionOf(facts, request) : null;
  const decision = freezes.length === 0 || exemption ? 'allow' : 'deny';
  return {
    service: request.service,
    environment: request.environment,
    version: request.version,
    commit: request.commit ?? null,
    decision,
    freezes,
    exemption,
    may_proceed_at: decision === 'deny' ? mayProceedAt(freezes, scheduled, now) : null,
    next_window: scheduled.next ? { name: scheduled.next.name, reason: scheduled.next.reason, starts_at: iso(scheduled.next.startsAt), ends_at: iso(scheduled.next.endsAt) } : null,
    checked_at: now.toISOString(),
  };
}
