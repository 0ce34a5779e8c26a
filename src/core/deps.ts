import type { Config, ResolvedPolicy } from '../config/load.ts';
import type { MetricReading, SourceTarget } from '../health/sources/types.ts';
import type { ReadBaselines } from '../health/baseline/read-baseline.ts';
import type { Role } from '../config/schema.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logging/logger.ts';
import type { Notifier } from '../notify/notifier.ts';

/** Whoever acts: a person (through Discord, the CLI or a token that speaks for them), a token, or backstop itself. */
export interface Actor {
  id: string;
  name?: string;
  roles: ReadonlySet<Role>;
  source: 'api' | 'cli' | 'discord' | 'system';
}

/** Puts an admitted rollback on the queue; resolves false (never throws) when the queue is unreachable. */
export type Enqueue = (eventId: string) => Promise<boolean>;

export interface CoreDeps {
  db: Db;
  config: Config;
  logger: Logger;
  notifier: Notifier;
  enqueue: Enqueue;
  clock: () => Date;
  /** Reads a service's configured sources (Prometheus, HTTP probe) for one deployment; never throws. */
  readSources(policy: ResolvedPolicy, target: SourceTarget): Promise<MetricReading[]>;
  /** Reads what a deployment's baseline rules compare (it and its baseline); never throws for a source. */
  readBaselines: ReadBaselines;
  /** Runs a configured consistency probe; see health/consistency-probe.ts. */
  secret(name: string): string | undefined;
}

export const hasAnyRole = (actor: Actor, ...roles: Role[]) => actor.roles.has('admin') || roles.some((r) => actor.roles.has(r));
