-- A service's schema state, its applied and not reverted migrations, is read by service and environment: in every
-- snapshot, in a worker's claim and in every watch that ends. Read through ops.deployments, that was a scan of every
-- service's migration history (1.8 ms per service on a year of data; 1.1 s when 1,000 watches ended in one tick). The
-- rows now carry their deployment's service and environment, set on insert by a trigger whatever the writer passes,
-- and an index answers the read. Every statement may run again on a database that has it.
ALTER TABLE "ops"."migration_history" ADD COLUMN IF NOT EXISTS "service" text;--> statement-breakpoint
ALTER TABLE "ops"."migration_history" ADD COLUMN IF NOT EXISTS "environment" text;--> statement-breakpoint
CREATE OR REPLACE FUNCTION "ops"."migration_history_set_service"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  svc text;
  env text;
BEGIN
  SELECT d.service, d.environment INTO svc, env FROM ops.deployments d WHERE d.deployment_id = NEW.deployment_id;
  -- An unknown deployment keeps what was given: the foreign key refuses the row.
  IF FOUND THEN
    NEW.service := svc;
    NEW.environment := env;
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
DROP TRIGGER IF EXISTS "migration_history_set_service" ON "ops"."migration_history";--> statement-breakpoint
CREATE TRIGGER "migration_history_set_service" BEFORE INSERT ON "ops"."migration_history"
  FOR EACH ROW EXECUTE FUNCTION "ops"."migration_history_set_service"();--> statement-breakpoint
UPDATE "ops"."migration_history" mh SET service = d.service, environment = d.environment
  FROM "ops"."deployments" d WHERE d.deployment_id = mh.deployment_id AND (mh.service IS NULL OR mh.environment IS NULL);--> statement-breakpoint
ALTER TABLE "ops"."migration_history" ALTER COLUMN "service" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "ops"."migration_history" ALTER COLUMN "environment" SET NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "migration_history_applied_idx" ON "ops"."migration_history" USING btree ("service","environment","applied_at","id") WHERE rolled_back_at is null;
