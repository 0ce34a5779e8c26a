import type { SamplePartition } from '../db/queries/partitions.ts';

// Which day partitions of ops.health_samples should exist and which may go: plain arithmetic on UTC days.

const DAY_MS = 24 * 3_600_000;

/** The UTC midnight that starts the day `at` falls in. */
export const utcDay = (at: Date) => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);

const nextDay = (day: Date) => new Date(day.getTime() + DAY_MS);

/** Every UTC day from the one `from` falls in through the one `to` falls in. */
export function daysBetween(from: Date, to: Date): Date[] {
  const days: Date[] = [];
  for (let day = utcDay(from); day.getTime() <= to.getTime(); day = nextDay(day)) days.push(day);
  return days;
}

/** health_samples_20261204: the partition of one UTC day, named so a sorted listing reads as a calendar. */
export const dayPartitionName = (day: Date) => `health_samples_${day.toISOString().slice(0, 10).replaceAll('-', '')}`;

/** True when some partition already holds part of the day, so a partition for it cannot (and need not) be added. */
export function isCovered(day: Date, partitions: SamplePartition[]): boolean {
  const end = nextDay(day).getTime();
  return partitions.some((p) => !p.isDefault && (p.from?.getTime() ?? -Infinity) < end && (p.to?.getTime() ?? Infinity) > day.getTime());
}

/** Partitions whose every row is older than `cutoff`: the whole range ends at or before it. Never the default. */
export const expiredPartitions = (partitions: SamplePartition[], cutoff: Date) =>
  partitions.filter((p) => !p.isDefault && p.to !== null && p.to.getTime() <= cutoff.getTime());
