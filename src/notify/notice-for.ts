import type { RollbackEventRow } from '../db/schema/index.ts';
import type { Notice, NoticeKind } from './notifier.ts';

export function noticeFor(event: RollbackEventRow, kind: NoticeKind, summary: string, details?: Record<string, unknown>): Notice {
  return {
    kind,
    eventId: event.eventId,
    service: event.service,
    environment: event.environment,
    deploymentId: event.deploymentId,
    summary,
    details: { trigger_type: event.triggerType, ...details },
  };
}
