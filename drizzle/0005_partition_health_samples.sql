-- Hand-written: drizzle-kit only swaps the primary key, and knows nothing of partitions.
-- ops.health_samples becomes a table partitioned by RANGE on observed_at, one partition per UTC day, so retention
-- (src/retention/) drops a day at a time instead of deleting rows. Every existing row is kept with its id; the id
-- sequence, the (deployment_id, observed_at) index and the foreign key to ops.deployments carry over. The primary key
-- becomes (id, observed_at): a partitioned table's unique keys must hold the partition key.
--
-- Partitions live in their own schema, ops_partitions: ops lists backstop's tables, and a day of samples is not one.
-- Besides the day partitions there is a DEFAULT partition, so no insert ever fails for want of a partition: a client
-- may push an observed_at anywhere in [now - monitoring.max_sample_age, now + monitoring.max_clock_skew], both set
-- in the policy file (which this migration cannot read), and the worker that creates days ahead may be down for longer
-- than it looks ahead. The retention run keeps the default empty: it moves what lands there into day partitions and
-- deletes what has expired (src/db/queries/partitions.ts).
--
-- The whole table is rewritten inside this migration's transaction: inserts wait for it (seconds per million rows).
CREATE SCHEMA IF NOT EXISTS "ops_partitions";--> statement-breakpoint
ALTER TABLE "ops"."health_samples" RENAME TO "health_samples_unpartitioned";--> statement-breakpoint
ALTER INDEX "ops"."health_samples_pkey" RENAME TO "health_samples_unpartitioned_pkey";--> statement-breakpoint
ALTER INDEX "ops"."health_samples_deployment_time_idx" RENAME TO "health_samples_unpartitioned_deployment_time_idx";--> statement-breakpoint
CREATE TABLE "ops"."health_samples" (
	"id" bigint DEFAULT nextval('"ops"."health_samples_id_seq"'::regclass) NOT NULL,
	"deployment_id" uuid NOT NULL,
	"source" text NOT NULL,
	"observed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"error_rate_per_minute" double precision,
	"recent_errors" integer,
	"database_connections_pct" double precision,
	"active_queries" integer,
	"p95_ms" double precision,
	"memory_pct" double precision,
	"raw" jsonb
) PARTITION BY RANGE ("observed_at");--> statement-breakpoint
-- The sequence now belongs to the new table's id, so dropping the old table below leaves it, and its position, alone.
ALTER SEQUENCE "ops"."health_samples_id_seq" OWNED BY "ops"."health_samples"."id";--> statement-breakpoint
CREATE TABLE "ops_partitions"."health_samples_default" PARTITION OF "ops"."health_samples" DEFAULT;--> statement-breakpoint
-- A partition for each UTC day that holds rows, and for today and the next 3 days (the retention run's look-ahead).
DO $$
DECLARE
	day date;
BEGIN
	FOR day IN
		SELECT DISTINCT ("observed_at" AT TIME ZONE 'UTC')::date FROM "ops"."health_samples_unpartitioned"
		UNION
		SELECT (now() AT TIME ZONE 'UTC')::date + ahead FROM generate_series(0, 3) AS ahead
	LOOP
		EXECUTE format(
			'CREATE TABLE "ops_partitions".%I PARTITION OF "ops"."health_samples" FOR VALUES FROM (%L) TO (%L)',
			'health_samples_' || to_char(day, 'YYYYMMDD'), day::text || ' 00:00:00+00', (day + 1)::text || ' 00:00:00+00');
	END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "ops"."health_samples" ("id", "deployment_id", "source", "observed_at", "error_rate_per_minute", "recent_errors", "database_connections_pct", "active_queries", "p95_ms", "memory_pct", "raw")
SELECT "id", "deployment_id", "source", "observed_at", "error_rate_per_minute", "recent_errors", "database_connections_pct", "active_queries", "p95_ms", "memory_pct", "raw"
FROM "ops"."health_samples_unpartitioned";--> statement-breakpoint
DROP TABLE "ops"."health_samples_unpartitioned";--> statement-breakpoint
-- Keys and the index are built once the rows are in, which is faster than maintaining them row by row.
ALTER TABLE "ops"."health_samples" ADD CONSTRAINT "health_samples_id_observed_at_pk" PRIMARY KEY("id","observed_at");--> statement-breakpoint
ALTER TABLE "ops"."health_samples" ADD CONSTRAINT "health_samples_deployment_id_deployments_deployment_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "ops"."deployments"("deployment_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "health_samples_deployment_time_idx" ON "ops"."health_samples" USING btree ("deployment_id","observed_at" DESC NULLS FIRST);
