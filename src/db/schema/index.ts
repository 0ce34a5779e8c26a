// The drizzle-kit entry point: every table and enum of schema ops.
export * from './ops.ts';
export * from './deployments.ts';
export * from './rollback-events.ts';
export * from './approvals.ts';
export * from './system-snapshots.ts';
export * from './migration-history.ts';
export * from './health-samples.ts';
export * from './audit-log.ts';
export * from './audit-chains.ts';
export * from './discord-messages.ts';
export * from './monitoring.ts';
export * from './latest-samples.ts';
export * from './freezes.ts';
export * from './freeze-messages.ts';
export * from './false-alarms.ts';
