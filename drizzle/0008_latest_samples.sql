CREATE TABLE "ops"."latest_samples" (
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"sample_id" bigint NOT NULL,
	"observed_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "latest_samples_service_environment_pk" PRIMARY KEY("service","environment")
);
--> statement-breakpoint
-- Kept on every insert into ops.health_samples, one statement at a time: the newest row of each (service,
-- environment) the statement inserted replaces the pointer only if it is newer, so late and out-of-order samples
-- never move it back. Pairs are upserted in (service, environment) order, so two bulk inserts never deadlock.
CREATE FUNCTION "ops"."track_latest_samples"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ops.latest_samples AS ls (service, environment, sample_id, observed_at)
  SELECT DISTINCT ON (d.service, d.environment) d.service, d.environment, n.id, n.observed_at
  FROM new_samples n JOIN ops.deployments d ON d.deployment_id = n.deployment_id
  ORDER BY d.service, d.environment, n.observed_at DESC, n.id DESC
  ON CONFLICT (service, environment) DO UPDATE SET sample_id = excluded.sample_id, observed_at = excluded.observed_at
    WHERE excluded.observed_at > ls.observed_at OR (excluded.observed_at = ls.observed_at AND excluded.sample_id > ls.sample_id);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "health_samples_track_latest" AFTER INSERT ON "ops"."health_samples"
  REFERENCING NEW TABLE AS new_samples FOR EACH STATEMENT EXECUTE FUNCTION "ops"."track_latest_samples"();--> statement-breakpoint
-- The samples already stored: the newest time of each pair by one hash aggregate, then that sample's id by one probe
-- per deployment of the pair (a sort of every sample by time would take far longer on a year of them).
WITH newest AS (
  SELECT d.service, d.environment, max(h.observed_at) AS observed_at
  FROM "ops"."health_samples" h JOIN "ops"."deployments" d ON d.deployment_id = h.deployment_id
  GROUP BY d.service, d.environment
)
INSERT INTO "ops"."latest_samples" (service, environment, sample_id, observed_at)
SELECT n.service, n.environment, s.id, n.observed_at
FROM newest n CROSS JOIN LATERAL (
  SELECT h.id FROM "ops"."health_samples" h JOIN "ops"."deployments" d ON d.deployment_id = h.deployment_id
  WHERE d.service = n.service AND d.environment = n.environment AND h.observed_at = n.observed_at
  ORDER BY h.id DESC LIMIT 1
) s;
