import type { Logger } from '../main/logger.ts';

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
  | 'failed';

export interface Notice {
  kind: NoticeKind;
  eventId: string;
  service: string;
  environment: string;
  deploymentId: string;
  /** One human sentence: what happened. */
  summary: string;
  details?: Record<string, unknown>;
}

// Every rollback state change goes through here; Discord, logs and tests are implementations.
export interface Notifier {
  notify(notice: Notice): Promise<void>;
}

export function createLogNotifier(logger: Logger): Notifier {
  return {
    async notify(notice) {
      const level = notice.kind === 'failed' || notice.kind === 'expired' || notice.kind === 'constitutional_violation' ? 'warn' : 'info';
      logger[level]({ eventId: notice.eventId, deploymentId: notice.deploymentId, kind: notice.kind, service: notice.service, environment: notice.environment, details: notice.details }, notice.summary);
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
  };
}
