import type { RollbackStatus } from '../../../db/queries/rollback-events.ts';

export const COLOR = { pending: 0xf0a020, running: 0x3b82f6, success: 0x22c55e, failure: 0xef4444, neutral: 0x6b7280 } as const;

export function statusColor(status: RollbackStatus): number {
  switch (status) {
    case 'succeeded':
      return COLOR.success;
    case 'failed':
    case 'rejected':
      return COLOR.failure;
    case 'expired':
    case 'cancelled':
      return COLOR.neutral;
    case 'approved':
    case 'queued':
    case 'running':
    case 'verifying':
      return COLOR.running;
    default:
      return COLOR.pending;
  }
}

export const STATUS_ICON: Record<RollbackStatus, string> = {
  requested: '🟠',
  awaiting_approval: '🟠',
  approved: '🔵',
  queued: '🔵',
  running: '🔄',
  verifying: '🔎',
  succeeded: '✅',
  failed: '❌',
  rejected: '🚫',
  expired: '⌛',
  cancelled: '⏹️',
};
