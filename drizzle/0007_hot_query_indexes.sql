DROP INDEX "ops"."deployments_under_watch_idx";--> statement-breakpoint
CREATE INDEX "rollback_events_completed_idx" ON "ops"."rollback_events" USING btree ("completed_at") WHERE status in ('succeeded', 'failed');--> statement-breakpoint
CREATE INDEX "system_snapshots_deployment_idx" ON "ops"."system_snapshots" USING btree ("deployment_id","snapshot_type");--> statement-breakpoint
CREATE INDEX "health_decisions_event_idx" ON "ops"."health_decisions" USING btree ("event_id") WHERE event_id is not null;--> statement-breakpoint
CREATE INDEX "deployments_under_watch_idx" ON "ops"."deployments" USING btree ("watch_ends_at","id") WHERE watch_ends_at is not null and watch_result is null;