import type { Logger } from '../logging/logger.ts';

export type NoticeKind =
  | 'requested'
  | 'approval_needed'
  | 'approval_recorded'
  | 'approved'
  | 'rejected'
  | 'constitutional_violation'
  | 'expired'
  | 'cancelled'
  | 'started'
  | 'step'
  | 'progress'
  | 'succeeded'
  | 'failed'
  /** A person must act now: the circuit breaker opened, or a rollback did not restore health. */
  | 'escalated';

export interface Notice {
  kind: NoticeKind;
  eventId: string;
  service: string;
  environment: string;
  deploymentId: string;
  /**
   * One human sentence: what happened, for logs. Discord renders outcome messages from the stored rows instead
   * (discord/cards/outcome.ts), so a message reads the same whether this notice or the delivery sweep sent it.
   */
  summary: string;
  details?: Record<string, unknown>;
}

/** A health decision that did not (or not yet) become a rollback: a warning, or a trigger held back. */
export interface HealthNotice {
  kind: 'health_warning';
  /** The stored decision: the warning's False alarm button names it. */
  decisionId: number;
  deploymentId: string;
  service: string;
  environment: string;
  summary: string;
  evidence: Record<string, unknown>[];
}

/** What became of one monitor decision: the metrics count these. */
export interface DecisionNotice {
  deploymentId: string;
  action: 'observe' | 'warn' | 'propose' | 'auto_with_veto' | 'auto';
  /** recorded (observe), warned, admitted (a new rollback), raised (a pending one climbed), held (one was already
   * pending and stays as it is), rejected (the constitution refused it). */
  outcome: 'recorded' | 'warned' | 'admitted' | 'raised' | 'held' | 'rejected';
}

/**
 * A freeze set by hand, a pass through freezes, or a GitHub deployment the gate held changed. Discord renders its
 * message from the row, so the notice only says which one; the summary is for logs. A freeze ending by itself sends
 * none: the delivery sweep notices it.
 */
export interface FreezeNotice {
  kind: 'freeze_set' | 'freeze_lifted' | 'pass_requested' | 'pass_granted' | 'github_deployment';
  /** The freeze id, the pass id for pass_*, or the protection rule request's id for github_deployment. */
  id: string;
  service: string;
  environment: string;
  summary: string;
}

/**
 * A person marked a monitor decision a false alarm. Discord renders from the rows: the rollback's card (when the
 * decision opened one) shows the label, and a notice says which automatic rules now only propose.
 */
export interface FalseAlarmNotice {
  decisionId: number;
  eventId: string | null;
  service: string;
  environment: string;
  /** Automatic rules this label pushed below the policy's precision; empty when none. */
  demoted: string[];
}

// Every rollback state change goes through here; Discord, logs and tests are implementations.
export interface Notifier {
  notify(notice: Notice): Promise<void>;
  /** Optional: notifiers that only follow rollbacks leave it out. */
  warn?(notice: HealthNotice): Promise<void>;
  /** Optional: every decision the monitor took, whatever it led to. */
  decided?(decision: DecisionNotice): Promise<void>;
  /** Optional: freezes set by hand and passes through them. */
  freeze?(notice: FreezeNotice): Promise<void>;
  /** Optional: a decision marked as a false alarm. */
  falseAlarm?(notice: FalseAlarmNotice): Promise<void>;
}

export function createLogNotifier(logger: Logger): Notifier {
  return {
    async notify(notice) {
      const level = notice.kind === 'failed' || notice.kind === 'expired' || notice.kind === 'constitutional_violation' ? 'warn' : 'info';
      logger[level]({ eventId: notice.eventId, deploymentId: notice.deploymentId, kind: notice.kind, service: notice.service, environment: notice.environment, details: notice.details }, notice.summary);
    },
    async warn(notice) {
      logger.warn({ deploymentId: notice.deploymentId, service: notice.service, environment: notice.environment, evidence: notice.evidence }, notice.summary);
    },
    async freeze(notice) {
      logger.info({ id: notice.id, kind: notice.kind, service: notice.service, environment: notice.environment }, notice.summary);
    },
    async falseAlarm(notice) {
      if (notice.demoted.length === 0) return;
      logger.warn(
        { decisionId: notice.decisionId, service: notice.service, environment: notice.environment, rules: notice.demoted },
        `${notice.demoted.join(', ')} on ${notice.service}/${notice.environment} now proposes instead of rolling back automatically: too many false alarms`,
      );
    },
  };
}

/** Fans one notice out to several notifiers; one failing never blocks the rest, nor the rollback. */
export function combineNotifiers(logger: Logger, ...notifiers: Notifier[]): Notifier {
  return {
    async notify(notice) {
      await Promise.all(
        notifiers.map((n) =>
          n.notify(notice).catch((err: unknown) => logger.warn({ err, eventId: notice.eventId }, 'notifier failed')),
        ),
      );
    },
    async warn(notice) {
      await Promise.all(
        notifiers.map((n) => n.warn?.(notice).catch((err: unknown) => logger.warn({ err, deploymentId: notice.deploymentId }, 'notifier failed'))),
      );
    },
    async decided(decision) {
      await Promise.all(
        notifiers.map((n) => n.decided?.(decision).catch((err: unknown) => logger.warn({ err, deploymentId: decision.deploymentId }, 'notifier failed'))),
      );
    },
    async freeze(notice) {
      await Promise.all(notifiers.map((n) => n.freeze?.(notice).catch((err: unknown) => logger.warn({ err, id: notice.id }, 'notifier failed'))));
    },
    async falseAlarm(notice) {
      await Promise.all(notifiers.map((n) => n.falseAlarm?.(notice).catch((err: unknown) => logger.warn({ err, decisionId: notice.decisionId }, 'notifier failed'))));
    },
  };
}
