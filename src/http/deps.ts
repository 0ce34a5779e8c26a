import type { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import type { MonitorDeps } from '../monitor/types.ts';
import type { Authenticator } from './auth.ts';

export interface HttpDeps extends MonitorDeps {
  authenticate: Authenticator;
  queue: Queue;
  redis: { ping(): Promise<unknown> };
  pool: { query(sql: string): Promise<unknown> };
  metrics: Registry;
  bodyLimit: number;
}
