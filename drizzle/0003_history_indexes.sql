DROP INDEX "ops"."deployments_service_env_time_idx";--> statement-breakpoint
DROP INDEX "ops"."rollback_events_history_idx";--> statement-breakpoint
DROP INDEX "ops"."health_samples_deployment_time_idx";--> statement-breakpoint
DROP INDEX "ops"."health_decisions_deployment_idx";--> statement-breakpoint
CREATE INDEX "deployments_time_idx" ON "ops"."deployments" USING btree ("deployed_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "rollback_events_service_history_idx" ON "ops"."rollback_events" USING btree ("service","initiated_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "deployments_service_env_time_idx" ON "ops"."deployments" USING btree ("service","environment","deployed_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "rollback_events_history_idx" ON "ops"."rollback_events" USING btree ("initiated_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "health_samples_deployment_time_idx" ON "ops"."health_samples" USING btree ("deployment_id","observed_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "health_decisions_deployment_idx" ON "ops"."health_decisions" USING btree ("deployment_id","decided_at" DESC NULLS FIRST);