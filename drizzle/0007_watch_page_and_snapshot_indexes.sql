DROP INDEX "ops"."deployments_under_watch_idx";--> statement-breakpoint
CREATE INDEX "system_snapshots_deployment_idx" ON "ops"."system_snapshots" USING btree ("deployment_id","snapshot_type");--> statement-breakpoint
CREATE INDEX "deployments_under_watch_idx" ON "ops"."deployments" USING btree ("watch_ends_at","id") WHERE watch_ends_at is not null and watch_result is null;