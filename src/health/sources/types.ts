/** One metric value read from a source. value null = inconclusive (missing, NaN, not numeric, source down or slow). */
export interface MetricReading {
  metric: string;
  value: number | null;
  observedAt: Date;
  source: string;
  /** why null, or what was queried */
  detail?: string;
}

export interface SourceTarget {
  service: string;
  environment: string;
  deploymentId: string;
  version: string;
  /** What {window} in a query stands for, in ms: the span judged (since the deployment began, or the baseline's). */
  windowMs?: number;
}

/** A place health metrics come from. `read` never throws for source failures: each configured metric comes back, null with a reason. */
export interface HealthSource {
  readonly kind: 'prometheus' | 'http_probe';
  read(target: SourceTarget, signal?: AbortSignal): Promise<MetricReading[]>;
}
